/* SPDX-License-Identifier: MIT */
/* html_tree.h: the process tree of the HTML report, drawn as inline SVG. */
#ifndef HTML_TREE_H
#define HTML_TREE_H
#include <stdio.h>

#include "model.h"
#include "rules.h"

/* Anchor of process i of the model ("p3"): finding cards link to it, its node links back. */
#define PROC_ANCHOR "p%zu"
/* Anchor of finding i ("f1", counted from 1 as the report shows it). */
#define FINDING_ANCHOR "f%zu"

/* Writes one <svg>: hosts as bands with their name, processes as boxes linked by fork, exec and spawn
 * edges, each credential's state as a coloured shape, connected sockets that several processes used as
 * edges in lanes on the right, and on each process the findings that name it. */
void html_tree(FILE *out, const struct model *m, const struct findings *fs);

#endif
