/* SPDX-License-Identifier: MIT */
/* names.h: what the CLI knows about credential variable names (near misses, primary keys). */
#ifndef NAMES_H
#define NAMES_H

/* 1 when a and b are different names that a person would mistake for each other: equal once '_' and
 * '-' are removed (case-insensitive), an edit distance of at most 2 when both have 8 or more
 * characters, or one is the other with a provider token (OPENAI, API...) dropped or added. Two
 * well-known names of different services (HF_TOKEN, GH_TOKEN) are never near misses. */
int names_near(const char *a, const char *b);

/* 1 when name is a provider's primary key (OPENAI_API_KEY, ANTHROPIC_API_KEY...): a client that reads
 * it needs it, unlike optional ones it merely probes (OPENAI_ADMIN_KEY). */
int names_primary(const char *name);

/* Case-insensitive edit distance (Levenshtein), capped: returns cap + 1 once it exceeds cap. */
int names_distance(const char *a, const char *b, int cap);

#endif
