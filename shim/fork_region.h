/* SPDX-License-Identifier: MIT */
/* fork_region.h: fork children write their records into a file their parent mapped before the fork
 * (docs/trace-format.md, "Fork region"; docs/performance.md). */
#ifndef CT_FORK_REGION_H
#define CT_FORK_REGION_H

#include <stddef.h>
#include <stdint.h>

/* The region's size: 256 KiB holds the header and first records of about 250 recording children
 * (a fork child's hdr is ~600 bytes, a socket use ~300), so a prefork server or a fork loop pays
 * one region (open, fallocate, two mmaps, close) per few hundred children; and it is allocated on
 * disk up front (fallocate), so it must stay small for a program that forks once. */
#define CT_REGION_BYTES ((uint64_t)256 << 10)
/* A region with less than this left is replaced at the next fork: a child's first write (its hdr
 * and a record) should fit. */
#define CT_REGION_SLACK ((uint64_t)8 << 10)

/* In the parent before a fork (atfork prepare, our _Fork hook): maps a region when this process
 * has none yet or its region is nearly full. Best effort: any failure means the children write
 * their own files as before. Keeps errno. */
void ct_region_prepare(void) __attribute__((visibility("hidden")));
/* In a fork child that has no file of its own yet (writer.c): appends buf (whole lines) to the
 * inherited region, preceded by this process's hdr (origin) the first time. 1: written; 0: no
 * region, full, or past the head cap: the caller writes its own file (today's path). No system
 * call, no lock: an atomic add on the region's offset and a memcpy. */
int ct_region_write(const char *origin, const char *buf, size_t len) __attribute__((visibility("hidden")));
/* This process has its hdr in the region (it has a trace, as one with its own file). */
int ct_region_started(void) __attribute__((visibility("hidden")));

#endif
