/* SPDX-License-Identifier: MIT */
/* code_help.h: per finding code, the words the SARIF, JUnit and HTML renderers show about the rule. */
#ifndef CODE_HELP_H
#define CODE_HELP_H

#include "rules.h"

struct code_help {
	const char *title;   /* PascalCase rule name, as SARIF tools show it */
	const char *meaning; /* one sentence: what the finding says happened */
	const char *fix;     /* one sentence: what to change */
};

/* The entry for c (the text follows docs/findings.md). A code added to rules.h without an entry here
 * gets its code name as title and empty sentences, never NULL. */
const struct code_help *code_help(enum code c);

#endif
