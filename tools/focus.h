/* SPDX-License-Identifier: MIT */
/* focus.h: `report --pid PID`: one process and its descendants, and the findings that name them. */
#ifndef FOCUS_H
#define FOCUS_H
#include <stddef.h>

#include "model.h"
#include "rules.h"

/* Fills view with the processes of m that have pid (the topmost ones: an exec'd image below its vfork
 * child with the same pid is a descendant) and all their descendants, in m's order; the roots become
 * roots of the view (their parent link is cut, in m too). Removes from fs the findings that name none
 * of them. Returns the number of roots: 0 when no process has pid. view->procs is malloc'd; the
 * processes stay m's (free view->procs, then m). */
size_t focus_pid(struct model *m, long pid, struct model *view, struct findings *fs);

#endif
