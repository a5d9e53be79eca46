/* SPDX-License-Identifier: MIT */
/* stdin_traces.h: `report -`: trace files piped in, one after the other, as a directory to read. */
#ifndef STDIN_TRACES_H
#define STDIN_TRACES_H

/* Copies standard input into a new private directory, one file per trace: a new file starts at each
 * header record (`cat a.jsonl b.jsonl | credtrace report -`). Returns the directory (malloc'd), or NULL
 * with a message. */
char *stdin_traces(void);
/* Removes the directory and its files. */
void stdin_traces_remove(char *dir);

#endif
