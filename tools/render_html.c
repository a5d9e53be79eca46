/* SPDX-License-Identifier: MIT */
/* render_html.c: one self-contained HTML page (no script, no request: its Content-Security-Policy
 * forbids both): the summary, the findings with evidence and fix, the process tree (html_tree.c) and
 * what could not be seen. Every trace string goes through put_markup. */
#include <stdio.h>
#include <string.h>

#include "code_help.h"
#include "html_tree.h"
#include "markup.h"
#include "render.h"

#ifndef CT_VERSION
#define CT_VERSION "unknown"
#endif

static const char css[] =
    "body{font:14px/1.45 system-ui,'DejaVu Sans',sans-serif;margin:24px;color:#1f2328;"
    "background:#fff;max-width:1400px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid "
    "#d0d7de;padding-bottom:4px}"
    ".sum{color:#57606a}.sev{display:inline-block;min-width:62px;text-align:center;border-radius:10px;"
    "color:#fff;font-size:12px;font-weight:600;padding:1px 8px;margin-right:8px}"
    ".error{background:#cf222e}.warning{background:#bf8700}.info{background:#0969da}"
    ".finding{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:10px 0}"
    ".finding:target{outline:3px solid #0969da}"
    ".finding .code{font:600 14px 'DejaVu Sans Mono',monospace}.finding ul{margin:6px 0;padding-left:20px}"
    ".finding li,.finding .ev{font:12px/1.5 'DejaVu Sans Mono',monospace;color:#424a53}"
    ".fix{background:#dafbe1;border-radius:4px;padding:4px 8px;margin-top:6px}"
    ".pids a{font-family:'DejaVu Sans Mono',monospace;margin-right:6px}"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:12px;color:#424a53;margin:6px 0 10px}"
    ".legend svg{vertical-align:middle;margin-right:4px}"
    ".scroll{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px;padding:6px}"
    "svg.tree text{font:12px 'DejaVu Sans Mono',monospace;fill:#1f2328}"
    "svg.tree text.head{font-weight:600}svg.tree tspan.kind{font-weight:400;fill:#57606a}"
    "svg.tree text.badge{fill:#fff;font-size:11px;font-weight:600;text-anchor:middle}"
    "svg.tree text.hosttext{font:600 13px system-ui,'DejaVu Sans',sans-serif;fill:#0a3069}"
    "svg.tree text.lane{fill:#8250df;font-weight:600}"
    "svg.tree g.proc:target rect.node{stroke:#0969da;stroke-width:4}"
    "ul.notseen li{font-size:13px}footer{margin-top:28px;color:#57606a;font-size:12px}";

/* The legend's shapes are the tree's (html_tree.c draws the same ones). */
static const char legend[] =
    "<div class=\"legend\">"
    "<span><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5\" style=\"fill:#1a7f37\"/>"
    "</svg>present</span>"
    "<span><svg width=\"14\" height=\"14\"><path d=\"M7 1l6 6l-6 6l-6 -6z\" "
    "style=\"fill:#d4a72c;stroke:#7d4e00\"/></svg>present, shape defect</span>"
    "<span><svg width=\"14\" height=\"14\"><rect x=\"2\" y=\"2\" width=\"9\" height=\"9\" "
    "style=\"fill:#fff;stroke:#bc4c00;stroke-width:2\"/></svg>empty</span>"
    "<span><svg width=\"14\" height=\"14\"><path d=\"M3 3l8 8m0 -8l-8 8\" "
    "style=\"stroke:#cf222e;stroke-width:2.5\"/></svg>absent</span>"
    "<span><svg width=\"34\" height=\"10\"><path d=\"M0 5H34\" style=\"stroke:#57606a;stroke-width:1.6\"/>"
    "</svg>fork</span>"
    "<span><svg width=\"34\" height=\"10\"><path d=\"M0 5H34\" style=\"stroke:#0969da;stroke-width:1.6;"
    "stroke-dasharray:7 4\"/></svg>exec</span>"
    "<span><svg width=\"34\" height=\"10\"><path d=\"M0 5H34\" style=\"stroke:#8250df;stroke-width:1.6;"
    "stroke-dasharray:2 3\"/></svg>spawn</span>"
    "<span><svg width=\"34\" height=\"10\"><path d=\"M0 5H34\" style=\"stroke:#57606a;stroke-width:1.6;"
    "stroke-dasharray:4 2\"/></svg>vfork</span>"
    "<span><svg width=\"34\" height=\"12\"><path d=\"M4 6H30\" style=\"stroke:#8250df;stroke-width:1.5\"/>"
    "<circle cx=\"4\" cy=\"6\" r=\"4\" style=\"fill:#8250df\"/><circle cx=\"30\" cy=\"6\" r=\"4\" "
    "style=\"fill:#fff;stroke:#8250df;stroke-width:1.5\"/></svg>one socket: connected by \xe2\x97\x8f, "
    "used after a fork by \xe2\x97\x8b</span>"
    "<span>F1: a finding that names the process (its link)</span></div>\n";

static void summary(FILE *out, const struct model *m, const struct findings *fs)
{
	size_t by[4] = {0};

	for (size_t i = 0; i < fs->n; i++)
		by[fs->v[i].sev]++;
	fprintf(out,
	        "<p class=\"sum\">%zu finding%s: %zu error%s, %zu warning%s, %zu info, in %zu process%s on "
	        "%zu host%s.</p>\n",
	        fs->n, fs->n == 1 ? "" : "s", by[SEV_ERROR], by[SEV_ERROR] == 1 ? "" : "s", by[SEV_WARNING],
	        by[SEV_WARNING] == 1 ? "" : "s", by[SEV_INFO], m->n, m->n == 1 ? "" : "es", m->nhosts,
	        m->nhosts == 1 ? "" : "s");
}

/* Each pid a link to its process in the tree (the first with that pid). */
static void pid_links(FILE *out, const struct model *m, const struct finding *f)
{
	fputs("<div class=\"pids\">processes: ", out);
	for (size_t k = 0; k < f->npids; k++) {
		size_t i = 0;
		while (i < m->n && m->procs[i]->pid != f->pids[k])
			i++;
		if (i < m->n)
			fprintf(out, "<a href=\"#" PROC_ANCHOR "\">pid %ld</a>", i, f->pids[k]);
		else
			fprintf(out, "<span>pid %ld (no trace)</span> ", f->pids[k]);
	}
	fputs("</div>\n", out);
}

static void findings(FILE *out, const struct model *m, const struct findings *fs)
{
	fputs("<h2>Findings</h2>\n", out);
	if (!fs->n)
		fputs("<p>No finding.</p>\n", out);
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		fprintf(out,
		        "<section class=\"finding\" id=\"" FINDING_ANCHOR "\"><div><span class=\"sev %s\">%s"
		        "</span><span class=\"code\" title=\"",
		        i + 1, sev_name(f->sev), sev_name(f->sev));
		put_markup(out, code_help(f->code)->meaning);
		fprintf(out, "\">F%zu %s</span> ", i + 1, code_name(f->code));
		if (f->var) {
			fputs("<span class=\"code\">", out);
			put_markup(out, f->var);
			fputs("</span>", out);
		}
		fputs("</div>\n<p>", out);
		put_markup(out, f->message);
		fputs("</p>\n<ul>", out);
		put_markup_items(out, f->evidence, f->nev, "<li>", "</li>");
		fputs("</ul>\n<div class=\"fix\"><b>Fix:</b> ", out);
		put_markup(out, f->hint);
		fputs("</div>\n", out);
		pid_links(out, m, f);
		fputs("</section>\n", out);
	}
}

static void not_seen(FILE *out, const struct model *m)
{
	int any = 0;
	char lab[300];

	fputs("<h2>Not seen</h2>\n<ul class=\"notseen\">", out);
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		proc_label(m, p, lab, sizeof lab);
		if (p->blind && (p->origin == OR_EXEC || !p->parent || !p->parent->blind) && ++any) {
			fprintf(out, "<li><a href=\"#" PROC_ANCHOR "\">", i);
			put_markup(out, lab);
			fputs("</a>: credential reads are not visible (", out);
			put_markup(out, p->blind_why);
			fputs(")</li>", out);
		}
		for (size_t k = 0; k < p->nexecs; k++)
			if (p->execs[k].ok && !p->execs[k].image && ++any) {
				fprintf(out, "<li><a href=\"#" PROC_ANCHOR "\">", i);
				put_markup(out, lab);
				fputs("</a> started ", out);
				put_markup(out, p->execs[k].path ? p->execs[k].path : "?");
				fputs(p->execs[k].preload
				          ? ": untraced (static or setuid, or its file is missing)"
				          : ": untraced (LD_PRELOAD removed)",
				      out);
				fputs("</li>", out);
			}
		if (p->capped && ++any) {
			fputs("<li>", out);
			put_markup(out, lab);
			fputs(": trace file reached CREDTRACE_MAX_BYTES; later events are missing</li>", out);
		}
		if (p->bad_lines && ++any) {
			fputs("<li>", out);
			put_markup(out, lab);
			fprintf(out, ": %d unreadable line%s skipped</li>", p->bad_lines,
			        p->bad_lines == 1 ? "" : "s");
		}
	}
	if (!any)
		fputs("<li>Nothing beyond the usual: reads that bypass getenv (direct environ access) are "
		      "never visible.</li>",
		      out);
	fputs("</ul>\n", out);
}

int render_html(FILE *out, const struct model *m, const struct findings *fs)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>credtrace report</title>\n<style>",
	      out);
	fputs(css, out);
	fputs("</style></head>\n<body>\n<h1>credtrace report</h1>\n", out);
	summary(out, m, fs);
	findings(out, m, fs);
	fputs("<h2>Processes</h2>\n", out);
	fputs(legend, out);
	fputs("<div class=\"scroll\">\n", out);
	html_tree(out, m, fs);
	fputs("</div>\n", out);
	not_seen(out, m);
	fputs("<footer>credtrace " CT_VERSION
	      ". Credential values never leave the traced processes: this page shows states, lengths, "
	      "shape flags and keyed fingerprints only.</footer>\n</body></html>\n",
	      out);
	return ferror(out) ? -1 : 0;
}
