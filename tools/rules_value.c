/* SPDX-License-Identifier: MIT */
/* rules_value.c: rules about one variable's value where it is read or set: missing, misnamed, empty,
 * malformed, set at run time. */
#include <stdio.h>
#include <string.h>

#include "cred_info.h"
#include "names.h"
#include "rules.h"

/* Does p have the variable: present or empty at start, seen so in a read, or set so by p itself? */
static int has_var(const struct proc *p, const char *name)
{
	const struct cred *c = proc_cred(p, name);
	if (!c)
		return 0;
	if (c->has_start && c->start.state != ST_ABSENT)
		return 1;
	for (size_t i = 0; i < c->nreads; i++)
		if (c->reads[i].f.state != ST_ABSENT)
			return 1;
	for (size_t i = 0; i < c->nsets; i++)
		if (c->sets[i].ok && c->sets[i].f.state != ST_ABSENT)
			return 1;
	return 0;
}

static int other_has(const struct model *m, const char *var, const struct proc *p)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->procs[i] != p && has_var(m->procs[i], var))
			return 1;
	return 0;
}

/* A name near var that p has (at start or set by itself): the likely typo, or NULL. */
static const char *near_name(const struct proc *p, const char *var)
{
	for (size_t i = 0; i < p->ncreds; i++) {
		const struct cred *c = &p->creds[i];
		int has = c->has_start && c->start.state != ST_ABSENT;
		for (size_t k = 0; k < c->nsets; k++)
			has |= c->sets[k].ok && c->sets[k].f.state != ST_ABSENT;
		if (has && names_near(var, c->name))
			return c->name;
	}
	return NULL;
}

static const struct cread *first_read(const struct cred *c, enum cstate st)
{
	for (size_t i = 0; c && i < c->nreads; i++)
		if (c->reads[i].f.state == st)
			return &c->reads[i];
	return NULL;
}

/* The first read that found the variable absent and that the process did not answer itself: a read
 * of "absent" followed (same or later ts) by a successful set of the variable in the same process is
 * the dotenv pattern (node --env-file, python-dotenv's load_dotenv: "if not already set, set it"). */
static const struct cread *first_missing_read(const struct cred *c)
{
	for (size_t i = 0; c && i < c->nreads; i++) {
		const struct cread *r = &c->reads[i];
		int answered = 0;
		if (r->f.state != ST_ABSENT)
			continue;
		for (size_t k = 0; k < c->nsets && !answered; k++)
			answered = c->sets[k].ok && c->sets[k].f.state != ST_ABSENT && c->sets[k].ts >= r->ts;
		if (!answered)
			return r;
	}
	return NULL;
}

/* The removal (unsetenv, `delete process.env.X`) by which the process itself made var absent before
 * read r, or NULL: then the fix is in the program, not in the deployment. */
static const struct cset *removed_before(const struct cred *c, const struct cread *r)
{
	const struct cset *last = NULL;

	for (size_t k = 0; c && k < c->nsets; k++)
		if (c->sets[k].ok && !c->sets[k].exec_env && c->sets[k].ts <= r->ts)
			last = &c->sets[k];
	return last && last->f.state == ST_ABSENT ? last : NULL;
}

/* Why a missing variable matters in one process, from the credential table (shim/cred_table.h).
 * Most telling first: the first case of a finding's processes names it in the message. */
enum why_missing {
	WM_PRIMARY,        /* a provider's primary key, no alternative: error */
	WM_FEATURE_ON,     /* a feature key whose flag is on: error */
	WM_OTHER,          /* another process has it: error */
	WM_ALT_OF_MISSING, /* an alternative of a primary that is missing too: that one is the error */
	WM_SATISFIED,      /* an alternative is there */
	WM_FEATURE_OFF,    /* a feature key whose flag is off */
	WM_OPTIONAL,       /* an optional probe, or a name the table does not know */
	WM_FALLBACK,       /* absent, then an alternative read present: a fallback chain, no finding */
	WM_SETTING,        /* an optional setting with no provider (a broker URL): no finding */
};

/* Another name of var's credential that p has, preferring one read present at or after `after`
 * (then *chained is 1). NULL when none. */
static const char *alternative_in(const struct proc *p, const char *var, long long after, int *chained)
{
	const char *any = NULL;
	*chained = 0;
	for (size_t i = 0; i < p->ncreds; i++) {
		const struct cred *c = &p->creds[i];
		if (!c->name || !strcmp(c->name, var) || !cred_same(var, c->name) || !has_var(p, c->name))
			continue;
		for (size_t k = 0; k < c->nreads; k++)
			if (c->reads[k].f.state != ST_ABSENT && c->reads[k].ts >= after) {
				*chained = 1;
				return c->name;
			}
		if (!any)
			any = c->name;
	}
	return any;
}

static enum why_missing why_missing(const struct model *m, const struct proc *p, const char *var,
                                    const struct cread *r, const char **alt)
{
	enum ct_feature feat;
	enum ct_role role = cred_base_role(var, &feat);
	const struct cred_info *ci = cred_info(var);
	int chained;

	*alt = NULL;
	if (ci && ci->role == CT_ROLE_OPTIONAL) /* a probe: never "satisfied", it is not needed */
		return other_has(m, var, p) ? WM_OTHER : ci->provider[0] ? WM_OPTIONAL : WM_SETTING;
	if ((*alt = alternative_in(p, var, r->ts, &chained)))
		return chained ? WM_FALLBACK : WM_SATISFIED;
	if (ci && ci->role == CT_ROLE_ALTERNATIVE && first_missing_read(proc_cred(p, ci->of))) {
		*alt = ci->of; /* the finding about ci->of carries the severity */
		return other_has(m, var, p) ? WM_OTHER : WM_ALT_OF_MISSING;
	}
	if (role == CT_ROLE_PRIMARY)
		return WM_PRIMARY;
	if (role == CT_ROLE_FEATURE && (p->features >> feat & 1u))
		return WM_FEATURE_ON;
	if (other_has(m, var, p))
		return WM_OTHER;
	return role == CT_ROLE_FEATURE ? WM_FEATURE_OFF : WM_OPTIONAL;
}

/* The message's parenthesis for the case that set the finding's severity. */
static void why_text(enum why_missing w, const char *var, const char *alt, char *buf, size_t n)
{
	enum ct_feature feat;
	cred_base_role(var, &feat);
	switch (w) {
	case WM_SATISFIED:
	case WM_FALLBACK:
		snprintf(buf, n, " (satisfied by %s, another name for the same credential)", alt);
		break;
	case WM_OTHER:
		snprintf(buf, n, " (another process has it)");
		break;
	case WM_PRIMARY:
		snprintf(buf, n, " (a provider's primary key)");
		break;
	case WM_FEATURE_ON:
		snprintf(buf, n, " (%s is on, and needs it)", cred_feature_label(feat));
		break;
	case WM_ALT_OF_MISSING:
		snprintf(buf, n, " (another name for %s, which is missing too)", alt);
		break;
	case WM_FEATURE_OFF:
		snprintf(buf, n, " (needed only for %s, which is off)", cred_feature_label(feat));
		break;
	default:
		snprintf(buf, n, " (an optional variable the client probes; no process has it)");
	}
}

/* CRED_MISSING and CRED_NAME_MISMATCH: a read found the variable absent. A near miss explains the
 * absence better than "missing", so a reader with one gets CRED_NAME_MISMATCH instead. Whether a
 * missing one matters comes from the table's roles: a primary key without an alternative, a feature
 * key with its feature on, or a variable another process has is an error; the rest is info, and a
 * fallback chain read in order (absent name, then a present alternative) is nothing at all. */
void rules_missing(const struct model *m, const char *var, struct findings *out)
{
	/* An index, not a pointer: a CRED_NAME_MISMATCH made later moves out->v (finding_new reallocs). */
	size_t mi = (size_t)-1;
	struct finding *miss;
	char lab[256], site[600], why[200];
	size_t nmiss = 0, nremoved = 0;
	enum why_missing worst = WM_OPTIONAL;
	const char *worst_alt = NULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cread *r = first_missing_read(proc_cred(p, var));
		const char *near, *alt;
		enum why_missing w;
		if (!r)
			continue;
		proc_label(m, p, lab, sizeof lab);
		read_phrase(r, site, sizeof site);
		if ((near = near_name(p, var))) {
			struct finding *f = finding_new(out, C_NAME_MISMATCH, SEV_ERROR, var);
			finding_pid(f, p->pid);
			finding_msg(f, "%s reads %s, which is absent, while its environment has %s", lab, var,
			            near);
			finding_ev(f, "%s read %s%s: absent", lab, var, site);
			finding_ev(f, "%s is set in the same process (a near-identical name)", near);
			finding_hint(
			    f,
			    "Rename %s to %s where the environment is defined (.env, compose file, pod spec, "
			    "CI secret), or read the name that is set.",
			    near, var);
			continue;
		}
		if ((w = why_missing(m, p, var, r, &alt)) >= WM_FALLBACK)
			continue;
		if (mi == (size_t)-1) {
			finding_new(out, C_MISSING, SEV_INFO, var);
			mi = out->n - 1;
		}
		miss = &out->v[mi];
		if (w <= WM_FEATURE_ON)
			miss->sev = SEV_ERROR;
		if (w < worst) {
			worst = w;
			worst_alt = alt;
		}
		finding_pid(miss, p->pid);
		if (w == WM_SATISFIED)
			finding_ev(miss, "%s read %s%s: absent; it has %s", lab, var, site, alt);
		else
			finding_ev(miss, "%s read %s%s: absent", lab, var, site);
		nmiss++;
		{
			const struct cset *rm = removed_before(proc_cred(p, var), r);
			if (rm) {
				char rs[600];
				site_phrase(&rm->site, rs, sizeof rs);
				finding_ev(miss, "%s removed %s itself with %s%s before that read", lab, var,
				           rm->fn, rs);
				nremoved++;
			}
		}
	}
	if (mi == (size_t)-1)
		return;
	miss = &out->v[mi];
	for (size_t i = 0; i < m->n; i++)
		if (has_var(m->procs[i], var)) {
			proc_label(m, m->procs[i], lab, sizeof lab);
			finding_ev(miss, "%s has %s", lab, var);
			break;
		}
	finding_cite_hosts(m, miss, var);
	why_text(worst, var, worst_alt, why, sizeof why);
	finding_msg(miss, "%s is read but absent from the environment of %zu process%s%s", var, nmiss,
	            nmiss == 1 ? "" : "es", why);
	if (nremoved == nmiss)
		finding_hint(miss,
		             "The program removed %s itself (unsetenv, del os.environ, delete process.env) "
		             "before reading it: drop that removal, or read the key before removing it.",
		             var);
	else if (miss->sev == SEV_ERROR)
		finding_hint(
		    miss,
		    "Give these processes %s: add it to the environment of the service or worker that "
		    "runs them (compose environment:/env_file:, pod env:/envFrom:), or pass it in the env= "
		    "of "
		    "the call that starts them.",
		    var);
	else if (worst == WM_SATISFIED || worst == WM_ALT_OF_MISSING)
		finding_hint(miss, "Nothing to do for %s itself: %s is another name for the same credential.",
		             var, worst_alt);
	else if (worst == WM_FEATURE_OFF)
		finding_hint(miss,
		             "Nothing to do while the feature is off; give these processes %s where "
		             "it is turned on.",
		             var);
	else
		finding_hint(miss,
		             "Nothing to do unless you use the feature that needs %s: clients probe optional "
		             "variables at construction.",
		             var);
}

/* CRED_EMPTY: empty or whitespace only where it is read or passed on (at start, read, set, exec). */
void rules_empty(const struct model *m, const char *var, struct findings *out)
{
	struct finding *f = NULL;
	char lab[256], site[600];

#define EMPTY_FINDING() (f ? f : (f = finding_new(out, C_EMPTY, SEV_ERROR, var)))
	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cred *c = proc_cred(p, var);
		const struct cread *r = first_read(c, ST_EMPTY);
		proc_label(m, p, lab, sizeof lab);
		/* An inherited start is the parent's state at the fork: evidence is given where it came
		 * from (the parent's env record or set), once, not again for every worker. */
		if (c && c->has_start && !c->inherited && c->start.state == ST_EMPTY) {
			finding_pid(EMPTY_FINDING(), p->pid);
			finding_ev(f, "%s: empty at start (inherited, length %ld)", lab, c->start.len);
		}
		if (r) {
			read_phrase(r, site, sizeof site);
			finding_pid(EMPTY_FINDING(), p->pid);
			finding_ev(f, "%s read it%s: empty", lab, site);
		}
		for (size_t k = 0; c && k < c->nsets; k++)
			if (c->sets[k].ok && !c->sets[k].exec_env && c->sets[k].f.state == ST_EMPTY) {
				site_phrase(&c->sets[k].site, site, sizeof site);
				finding_pid(EMPTY_FINDING(), p->pid);
				finding_ev(f, "%s set it empty with %s%s", lab, c->sets[k].fn, site);
			}
		for (size_t k = 0; k < p->nexecs; k++)
			for (size_t j = 0; j < p->execs[k].nemptied; j++)
				if (!strcmp(p->execs[k].emptied[j], var)) {
					finding_pid(EMPTY_FINDING(), p->pid);
					if (p->execs[k].image)
						finding_pid(f, p->execs[k].image->pid);
					finding_ev(f, "%s started %s with it empty (%s)", lab,
					           p->execs[k].path ? p->execs[k].path : "a program",
					           p->execs[k].fn);
				}
	}
#undef EMPTY_FINDING
	if (!f)
		return;
	finding_cite_hosts(m, f, var);
	finding_msg(f, "%s is empty or whitespace only in %zu process%s", var, f->npids,
	            f->npids == 1 ? "" : "es");
	finding_hint(f,
	             "Set a real value where these processes get their environment. Empty values come from "
	             "config merges (`settings.key or \"\"`), `%s=` in a .env or compose file, or `${%s}` "
	             "expanded from an unset variable; fail fast at start when it is empty.",
	             var, var);
}

/* The shape defects docs/findings.md lists for CRED_MALFORMED; `short` and `nonprintable` are shown
 * in the process tree but do not raise it on their own. */
#define MALFORMED_MASK (F_WHITESPACE | F_NEWLINE | F_QUOTED | F_UNEXPANDED | F_PLACEHOLDER | F_FOREIGN)

static const char *const flag_fix[F_COUNT] = {
    "strip the surrounding spaces",
    "strip the newline (create secrets with `printf %s` or `echo -n`, not `echo`; no CRLF in .env files)",
    "remove the quotes, or load the .env file with a loader that strips them",
    ("the value was never expanded: the tool that wrote it does not expand ${...} (compose env_file, "
     "systemd EnvironmentFile); put the value itself"),
    "replace the placeholder with the real key",
    "the value is another provider's key: put it in that provider's variable and set this one to its own key",
    "remove the control characters",
    "the value is shorter than the provider's keys: it was probably cut when copied",
};

static void flags_text(unsigned flags, char *buf, size_t n)
{
	size_t u = 0;
	buf[0] = 0;
	for (unsigned b = 0; b < F_COUNT && u < n; b++)
		if (flags & (1u << b))
			u += (size_t)snprintf(buf + u, n - u, "%s%s", u ? ", " : "", flag_names[b]);
}

/* CRED_MALFORMED: a value with a shape defect, at start, in a read or in a set. */
void rules_malformed(const struct model *m, const char *var, struct findings *out)
{
	struct finding *f = NULL;
	unsigned all = 0;
	char lab[256], fl[200], hint[1200];

	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cred *c = proc_cred(p, var);
		unsigned got = 0;
		long len = 0;
		const char *where = "at start";
		if (!c)
			continue;
		if (c->has_start && !c->inherited && (c->start.flags & MALFORMED_MASK)) /* as CRED_EMPTY */
			got = c->start.flags, len = c->start.len;
		for (size_t k = 0; !got && k < c->nreads; k++)
			if (c->reads[k].f.flags & MALFORMED_MASK)
				got = c->reads[k].f.flags, len = c->reads[k].f.len, where = "when read";
		for (size_t k = 0; !got && k < c->nsets; k++)
			if (c->sets[k].ok && (c->sets[k].f.flags & MALFORMED_MASK))
				got = c->sets[k].f.flags, len = c->sets[k].f.len,
				where = "as set at run time";
		if (!got)
			continue;
		if (!f)
			f = finding_new(out, C_MALFORMED, SEV_WARNING, var);
		all |= got;
		proc_label(m, p, lab, sizeof lab);
		flags_text(got, fl, sizeof fl);
		finding_pid(f, p->pid);
		finding_ev(f, "%s: %s %s (length %ld)", lab, fl, where, len);
	}
	if (!f)
		return;
	finding_cite_hosts(m, f, var);
	flags_text(all & MALFORMED_MASK, fl, sizeof fl);
	finding_msg(f, "%s has a malformed value: %s", var, fl);
	hint[0] = 0;
	for (unsigned b = 0, u = 0; b < F_COUNT && u < sizeof hint; b++)
		if ((all & MALFORMED_MASK) & (1u << b))
			u +=
			    (unsigned)snprintf(hint + u, sizeof hint - u, "%s%s", u ? "; " : "", flag_fix[b]);
	hint[0] = (char)(hint[0] >= 'a' && hint[0] <= 'z' ? hint[0] - 32 : hint[0]);
	finding_hint(f, "%s.", hint);
}

/* CRED_SET_AT_RUNTIME: the process set or changed a credential itself. */
void rules_set(const struct model *m, const char *var, struct findings *out)
{
	struct finding *f = NULL;
	char lab[256], site[600];
	size_t nunset = 0, nall = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct proc *p = m->procs[i];
		const struct cred *c = proc_cred(p, var);
		for (size_t k = 0; c && k < c->nsets; k++) {
			const struct cset *s = &c->sets[k];
			if (!s->ok || s->exec_env)
				continue; /* a failed call, or the environment chosen for an exec
				             (CRED_LOST_ON_EXEC) */
			if (!f)
				f = finding_new(out, C_SET_AT_RUNTIME, SEV_INFO, var);
			proc_label(m, p, lab, sizeof lab);
			site_phrase(&s->site, site, sizeof site);
			finding_pid(f, p->pid);
			if (s->f.state == ST_ABSENT) {
				nunset++;
				if (s->has_prev)
					finding_ev(f, "%s: %s%s: unset (was %s)", lab, s->fn, site,
					           state_name(s->prev.state));
				else
					finding_ev(f, "%s: %s%s: unset", lab, s->fn, site);
			} else if (s->has_prev) {
				finding_ev(f, "%s: %s%s: %s -> %s (length %ld)", lab, s->fn, site,
				           state_name(s->prev.state), state_name(s->f.state), s->f.len);
			} else {
				finding_ev(f, "%s: %s%s: set %s (length %ld)", lab, s->fn, site,
				           state_name(s->f.state), s->f.len);
			}
			nall++;
		}
	}
	if (!f)
		return;
	finding_msg(f, "%s was %s by the program itself in %zu process%s%s", var,
	            nunset == nall ? "unset"
	            : nunset       ? "set and unset"
	                           : "set",
	            f->npids, f->npids == 1 ? "" : "es", nunset == nall ? "" : " (dotenv, config code)");
	if (nunset == nall)
		finding_hint(f,
		             "The program removed %s from its own environment: children it starts "
		             "afterwards do not have it. If one of them needs it, drop the removal or pass "
		             "the key to that child explicitly.",
		             var);
	else
		finding_hint(
		    f,
		    "A value set at run time exists only in that process and the children it starts "
		    "afterwards: make sure every process that needs %s does the same (a worker that does not "
		    "import the dotenv call will not have it), or set it in the deployment's environment.",
		    var);
}
