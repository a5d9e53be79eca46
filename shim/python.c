/* SPDX-License-Identifier: MIT */
/* python.c: the CPython adapter: os.environ reads and libc calls attributed to Python file:line. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/types.h>

#include "config.h"
#include "ct.h"
#include "lang_site.h"

/*
 * CPython copies environ into a dict at start, so its reads never reach getenv. CPython 3.8+ exports
 * PySys_AddAuditHook, callable before the interpreter starts; the hook sees cpython.run_* just before
 * user code runs. There, and only there, the adapter replaces os._Environ.__getitem__ and .keys with
 * method descriptors of C functions (PyDescr_NewMethod): they call the original Python methods and,
 * for credential names only, report the read with the first frame outside os/_collections_abc.
 * C functions add no traceback frames, import nothing, and leave os.environ's instance state alone.
 * The shim never links libpython: every C-API function is resolved with dlsym at start, and objects
 * are opaque (refcounts go through Py_IncRef/Py_DecRef, so no struct layout is assumed).
 * Everything below runs with the GIL held: audit hooks and methods are only called that way.
 */

typedef struct py_object PyObject;
typedef ssize_t Py_ssize_t;
typedef PyObject *(*py_cfunc)(PyObject *, PyObject *);
struct py_methoddef {
	const char *name;
	py_cfunc meth;
	int flags;
	const char *doc;
};
#define PY_METH_NOARGS 0x0004
#define PY_METH_O      0x0008
typedef int (*py_audit_fn)(const char *, PyObject *, void *);

static struct {
	int (*AddAuditHook)(py_audit_fn, void *);
	const char *(*GetVersion)(void);
	PyObject *(*Sys_GetObject)(const char *);
	PyObject *(*Dict_New)(void);
	PyObject *(*Dict_GetItemString)(PyObject *, const char *);
	PyObject *(*Dict_GetItemWithError)(PyObject *, PyObject *);
	int (*Dict_SetItem)(PyObject *, PyObject *, PyObject *);
	Py_ssize_t (*Dict_Size)(PyObject *);
	PyObject *(*GetAttrString)(PyObject *, const char *);
	int (*SetAttrString)(PyObject *, const char *, PyObject *);
	PyObject *(*CallFunctionObjArgs)(PyObject *, ...);
	PyObject *(*Vectorcall)(PyObject *, PyObject *const *, size_t, PyObject *); /* 3.9+ */
	PyObject *(*Tuple_GetItem)(PyObject *, Py_ssize_t);
	PyObject *(*Descr_NewMethod)(PyObject *, struct py_methoddef *);
	const char *(*Unicode_AsUTF8AndSize)(PyObject *, Py_ssize_t *);
	PyObject *(*Unicode_EncodeFSDefault)(PyObject *);
	int (*Bytes_AsStringAndSize)(PyObject *, char **, Py_ssize_t *);
	PyObject *(*Err_Occurred)(void);
	void (*Err_Fetch)(PyObject **, PyObject **, PyObject **);
	void (*Err_Restore)(PyObject *, PyObject *, PyObject *);
	void (*Err_Clear)(void);
	int (*Err_ExceptionMatches)(PyObject *);
	PyObject **Exc_KeyError;
	PyObject *None;
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
	PyObject *(*Bool_FromLong)(long);
	long (*Long_AsLong)(PyObject *);
	PyObject *(*Eval_GetFrame)(void);
	int (*Frame_GetLineNumber)(PyObject *);
	PyObject *(*Frame_GetBack)(PyObject *); /* 3.9+, else frame.f_back */
	PyObject *(*Frame_GetCode)(PyObject *); /* 3.9+, else frame.f_code */
	int (*Frame_GetLasti)(PyObject *);      /* 3.11+, else frame.f_lasti */
} py;

static const struct {
	const char *name;
	void **slot;
	int optional;
} api[] = {
    {"Py_GetVersion", (void **)&py.GetVersion, 0},
    {"PySys_GetObject", (void **)&py.Sys_GetObject, 0},
    {"PyDict_New", (void **)&py.Dict_New, 0},
    {"PyDict_GetItemString", (void **)&py.Dict_GetItemString, 0},
    {"PyDict_GetItemWithError", (void **)&py.Dict_GetItemWithError, 0},
    {"PyDict_SetItem", (void **)&py.Dict_SetItem, 0},
    {"PyDict_Size", (void **)&py.Dict_Size, 0},
    {"PyObject_GetAttrString", (void **)&py.GetAttrString, 0},
    {"PyObject_SetAttrString", (void **)&py.SetAttrString, 0},
    {"PyObject_CallFunctionObjArgs", (void **)&py.CallFunctionObjArgs, 0},
    {"PyObject_Vectorcall", (void **)&py.Vectorcall, 1},
    {"PyTuple_GetItem", (void **)&py.Tuple_GetItem, 0},
    {"PyDescr_NewMethod", (void **)&py.Descr_NewMethod, 0},
    {"PyUnicode_AsUTF8AndSize", (void **)&py.Unicode_AsUTF8AndSize, 0},
    {"PyUnicode_EncodeFSDefault", (void **)&py.Unicode_EncodeFSDefault, 0},
    {"PyBytes_AsStringAndSize", (void **)&py.Bytes_AsStringAndSize, 0},
    {"PyErr_Occurred", (void **)&py.Err_Occurred, 0},
    {"PyErr_Fetch", (void **)&py.Err_Fetch, 0},
    {"PyErr_Restore", (void **)&py.Err_Restore, 0},
    {"PyErr_Clear", (void **)&py.Err_Clear, 0},
    {"PyErr_ExceptionMatches", (void **)&py.Err_ExceptionMatches, 0},
    {"PyExc_KeyError", (void **)&py.Exc_KeyError, 0},
    {"_Py_NoneStruct", (void **)&py.None, 0},
    {"Py_IncRef", (void **)&py.IncRef, 0},
    {"Py_DecRef", (void **)&py.DecRef, 0},
    {"PyBool_FromLong", (void **)&py.Bool_FromLong, 0},
    {"PyLong_AsLong", (void **)&py.Long_AsLong, 0},
    {"PyEval_GetFrame", (void **)&py.Eval_GetFrame, 0},
    {"PyFrame_GetLineNumber", (void **)&py.Frame_GetLineNumber, 0},
    {"PyFrame_GetBack", (void **)&py.Frame_GetBack, 1},
    {"PyFrame_GetCode", (void **)&py.Frame_GetCode, 1},
    {"PyFrame_GetLasti", (void **)&py.Frame_GetLasti, 1},
};

enum py_state { PY_OFF, PY_WAITING, PY_PENDING, PY_ON, PY_DONE };
static enum py_state state;
static char version[32];

/* Main-interpreter objects, owned once installed (never released: the class keeps using them). */
static PyObject *orig_getitem, *orig_keys, *cache, *true_obj;
#define BULK_MAX 12
static PyObject *bulk_code[BULK_MAX]; /* code objects whose item reads are copies, not reads */
static int bulk_n;
static char os_file[256], abc_file[256], stdlib_dir[256];

/* dict(os.environ) calls keys() and then __getitem__ for every key from the same instruction of the
 * same frame: keys() marks that (frame, instruction) on this thread; reads from it are a copy. */
static __thread struct {
	PyObject *frame;
	int lasti;
} bulk_mark;

#define CACHE_MAX 4096 /* classified names kept; past that, names are classified on every read */

/* Py_XDECREF: a reference that may be NULL. */
static void xdecref(PyObject *o)
{
	if (o)
		py.DecRef(o);
}

/* Copies the str attribute attr of o into dst; "" when missing. */
static void attr_text(PyObject *o, const char *attr, char *dst, size_t n, int keep_tail)
{
	PyObject *v = py.GetAttrString(o, attr);
	const char *s = NULL;
	Py_ssize_t len = 0;
	dst[0] = 0;
	if (v)
		s = py.Unicode_AsUTF8AndSize(v, &len);
	if (s)
		ct_lang_copy(dst, n, s, (size_t)len, keep_tail);
	else
		py.Err_Clear();
	if (v)
		py.DecRef(v);
}

static PyObject *frame_back(PyObject *f)
{
	PyObject *b;
	if (py.Frame_GetBack)
		return py.Frame_GetBack(f);
	b = py.GetAttrString(f, "f_back");
	if (!b)
		py.Err_Clear();
	else if (b == py.None) {
		py.DecRef(b);
		b = NULL;
	}
	return b;
}

static PyObject *frame_code(PyObject *f)
{
	PyObject *c = py.Frame_GetCode ? py.Frame_GetCode(f) : py.GetAttrString(f, "f_code");
	if (!c)
		py.Err_Clear();
	return c;
}

static int frame_lasti(PyObject *f)
{
	PyObject *v;
	long l;
	if (py.Frame_GetLasti)
		return py.Frame_GetLasti(f);
	v = py.GetAttrString(f, "f_lasti");
	l = v ? py.Long_AsLong(v) : -1;
	if (v)
		py.DecRef(v);
	py.Err_Clear();
	return (int)l;
}

static int is_bulk_code(PyObject *code)
{
	int i;
	for (i = 0; i < bulk_n; i++)
		if (bulk_code[i] == code)
			return 1;
	return 0;
}

/* Standard library code is not where users look: fork and connect sites skip it (site-packages and
 * dist-packages under the same prefix are not skipped). */
static int is_stdlib(const char *file)
{
	size_t n = strlen(stdlib_dir);
	if (!strncmp(file, "<frozen ", 8))
		return 1;
	return n && !strncmp(file, stdlib_dir, n) && !strstr(file + n, "-packages/");
}

enum walk { WALK_READ, WALK_EVENT };
#define WALK_DEPTH 64

static void fill_site(struct ct_pysite *site, PyObject *f, PyObject *code, const char *file)
{
	char name[96], qualname[96];
	attr_text(code, "co_name", name, sizeof name, 0);
	attr_text(code, "co_qualname", qualname, sizeof qualname, 0); /* 3.11+ */
	ct_lang_site(site, NULL, file, strlen(file), py.Frame_GetLineNumber(f), qualname[0] ? qualname : name,
	             strlen(qualname[0] ? qualname : name), !strcmp(name, "<module>"));
}

/* Finds the frame that a read or an event belongs to and fills site from it. WALK_READ: the first
 * frame outside os and _collections_abc; returns -1 when the walk passes a bulk copy. WALK_EVENT:
 * the first frame outside the standard library, else the innermost. Returns 1 with a site, 0 with
 * none (no Python frame). *at and *lasti get the frame found (a borrowed identity, not a reference). */
static int find_site(struct ct_pysite *site, enum walk mode, PyObject **at, int *lasti)
{
	PyObject *f = py.Eval_GetFrame(), *next;
	char file[256];
	int depth, rc = 0, have_inner = 0;
	site->set = 0;
	if (!f)
		return 0;
	py.IncRef(f);
	for (depth = 0; f && depth < WALK_DEPTH; depth++) {
		PyObject *code = frame_code(f);
		int skip;
		if (!code)
			break;
		attr_text(code, "co_filename", file, sizeof file, 1);
		if (mode == WALK_READ) {
			if (is_bulk_code(code)) {
				py.DecRef(code);
				rc = -1;
				break;
			}
			skip = !strcmp(file, os_file) || !strcmp(file, abc_file);
		} else {
			skip = is_stdlib(file);
			if (!have_inner) { /* fallback: the innermost frame */
				fill_site(site, f, code, file);
				have_inner = 1;
			}
		}
		if (!skip) {
			fill_site(site, f, code, file);
			if (at)
				*at = f;
			if (lasti)
				*lasti = frame_lasti(f);
			py.DecRef(code);
			rc = 1;
			break;
		}
		py.DecRef(code);
		next = frame_back(f);
		py.DecRef(f);
		f = next;
	}
	if (f)
		py.DecRef(f);
	if (rc == 0 && have_inner)
		rc = 1;
	return rc;
}

/* Credential name? Cached per name object in a dict (str and bytes keys) so that reads of
 * ordinary names cost one dict lookup. Leaves no exception behind. */
static int classify(PyObject *key, const char **name)
{
	PyObject *v = py.Dict_GetItemWithError(cache, key), *b;
	Py_ssize_t n = 0;
	const char *s;
	int c;
	*name = NULL;
	if (v)
		return v == true_obj;
	if (py.Err_Occurred()) { /* unhashable: the original method raises its own error */
		py.Err_Clear();
		return 0;
	}
	s = py.Unicode_AsUTF8AndSize(key, &n);
	if (!s) {
		char *bs = NULL;
		py.Err_Clear();
		if (py.Bytes_AsStringAndSize(key, &bs, &n) < 0) {
			py.Err_Clear();
			bs = NULL;
		}
		s = bs;
	}
	c = s ? ct_cred_namen(s, (size_t)n) : 0;
	if (py.Dict_Size(cache) < CACHE_MAX) {
		b = py.Bool_FromLong(c);
		if (py.Dict_SetItem(cache, key, b) < 0)
			py.Err_Clear();
		py.DecRef(b);
	}
	return c;
}

/* The name of a str or bytes key (owned by the key object), or NULL. */
static const char *key_text(PyObject *key)
{
	Py_ssize_t n;
	char *bs = NULL;
	const char *s = py.Unicode_AsUTF8AndSize(key, &n);
	if (s)
		return s; /* cppcheck-suppress returnDanglingLifetime ; s points into key, not at n */
	py.Err_Clear();
	if (py.Bytes_AsStringAndSize(key, &bs, &n) < 0) {
		py.Err_Clear();
		return NULL;
	}
	return bs;
}

/* One credential read of key (res: the value returned, NULL when absent). Called with no exception
 * set; leaves none. */
static void report_read(PyObject *key, PyObject *res)
{
	struct ct_pysite site;
	PyObject *at = NULL, *enc = NULL;
	int lasti = -1, rc;
	const char *name;
	char *value = NULL;
	Py_ssize_t n;
	memset(&site, 0, sizeof site);
	rc = find_site(&site, WALK_READ, &at, &lasti);
	if (rc < 0)
		return;
	if (at && at == bulk_mark.frame && lasti == bulk_mark.lasti)
		return; /* dict(os.environ), {**os.environ}: one copy, not a read of every name */
	bulk_mark.frame = NULL;
	name = key_text(key);
	if (!name)
		return;
	if (res) {
		enc = py.Unicode_EncodeFSDefault(res); /* the bytes os.environ holds (surrogateescape) */
		if (!enc)
			py.Err_Clear();
		if (py.Bytes_AsStringAndSize(enc ? enc : res, &value, &n) < 0) {
			py.Err_Clear();
			value = NULL;
		}
		if (!value) { /* a value we cannot see: report nothing rather than "absent" */
			if (enc)
				py.DecRef(enc);
			return;
		}
	}
	ct_env_read_py(name, value, &site);
	if (enc)
		py.DecRef(enc);
}

static PyObject *call_orig(PyObject *fn, PyObject *self, PyObject *arg)
{
	PyObject *args[2] = {self, arg};
	if (py.Vectorcall)
		return py.Vectorcall(fn, args, arg ? 2 : 1, NULL);
	return py.CallFunctionObjArgs(fn, self, arg, NULL);
}

/* os._Environ.__getitem__: the original method's result and exception, untouched. */
static PyObject *env_getitem(PyObject *self, PyObject *key)
{
	PyObject *res, *et, *ev, *tb;
	const char *unused;
	int cred, absent;
	if (!ct_g_on || ct_g_guard || state != PY_ON)
		return call_orig(orig_getitem, self, key);
	cred = classify(key, &unused);
	res = call_orig(orig_getitem, self, key);
	if (!cred)
		return res;
	absent = !res && py.Err_ExceptionMatches(*py.Exc_KeyError);
	if (!res && !absent)
		return res; /* TypeError and the like: not a read */
	py.Err_Fetch(&et, &ev, &tb);
	report_read(key, res);
	py.Err_Restore(et, ev, tb);
	return res;
}

/* os._Environ.keys: marks the calling instruction as a bulk copy on this thread. */
static PyObject *env_keys(PyObject *self, PyObject *unused)
{
	PyObject *res = call_orig(orig_keys, self, NULL);
	struct ct_pysite site;
	PyObject *at = NULL;
	int lasti = -1;
	(void)unused;
	if (res && ct_g_on && state == PY_ON) {
		if (find_site(&site, WALK_READ, &at, &lasti) > 0) {
			bulk_mark.frame = at;
			bulk_mark.lasti = lasti;
		}
		py.Err_Clear();
	}
	return res;
}

static struct py_methoddef getitem_def = {"__getitem__", env_getitem, PY_METH_O, NULL};
static struct py_methoddef keys_def = {"keys", (py_cfunc)env_keys, PY_METH_NOARGS, NULL};

static void emit_runtime(const char *reads, const char *why)
{
	ct_lang_runtime("python", version[0] ? version : NULL, reads, why);
}

static void set_version(void)
{
	const char *v = py.GetVersion ? py.GetVersion() : NULL;
	size_t n = 0;
	if (!v)
		return;
	while (v[n] && v[n] != ' ' && n + 1 < sizeof version)
		n++;
	memcpy(version, v, n);
	version[n] = 0;
}

/* getattr(getattr(o, a), "__code__"), or NULL. */
static PyObject *code_of(PyObject *o, const char *a)
{
	PyObject *fn = o ? py.GetAttrString(o, a) : NULL, *code = NULL;
	if (fn) {
		code = py.GetAttrString(fn, "__code__");
		py.DecRef(fn);
	}
	if (!code)
		py.Err_Clear();
	return code;
}

static void add_bulk(PyObject *o, const char *a)
{
	PyObject *code = code_of(o, a);
	if (code && bulk_n < BULK_MAX)
		bulk_code[bulk_n++] = code; /* kept: identity compared on every credential read */
	else if (code)
		py.DecRef(code);
}

static void code_file(PyObject *fn, char *dst, size_t n)
{
	PyObject *code = py.GetAttrString(fn, "__code__");
	dst[0] = 0;
	if (code) {
		attr_text(code, "co_filename", dst, n, 1);
		py.DecRef(code);
	}
	py.Err_Clear();
}

/* Installs the descriptors. Returns 1 when done, 0 when os is not imported yet (-S), -1 on failure
 * (why set). Leaves no exception behind. */
static int install(const char **why)
{
	PyObject *mods = py.Sys_GetObject("modules"), *os, *env, *cls, *abc, *dg = NULL, *dk = NULL;
	PyObject *cmap = NULL, *ci = NULL, *cv = NULL, *ccm = NULL, *file;
	char *slash;
	os = mods ? py.Dict_GetItemString(mods, "os") : NULL;
	if (!os)
		return 0;
	env = py.GetAttrString(os, "getenv"); /* defined after os.environ; posix has its own environ */
	if (!env) {
		py.Err_Clear();
		return 0; /* os is still being imported */
	}
	py.DecRef(env);
	*why = "os._Environ is not the standard class";
	cls = py.GetAttrString(os, "_Environ");
	if (!cls)
		goto fail;
	orig_getitem = py.GetAttrString(cls, "__getitem__");
	orig_keys = py.GetAttrString(cls, "keys");
	if (!orig_getitem || !orig_keys)
		goto fail;
	code_file(orig_getitem, os_file, sizeof os_file);
	code_file(orig_keys, abc_file, sizeof abc_file);
	if (!os_file[0] || !abc_file[0])
		goto fail;
	file = py.GetAttrString(os, "__file__");
	if (file) {
		Py_ssize_t n;
		const char *s = py.Unicode_AsUTF8AndSize(file, &n);
		if (s)
			ct_lang_copy(stdlib_dir, sizeof stdlib_dir, s, (size_t)n, 0);
		py.DecRef(file);
	}
	py.Err_Clear();
	slash = strrchr(stdlib_dir, '/');
	if (slash)
		slash[1] = 0;
	else
		stdlib_dir[0] = 0;
	add_bulk(cls, "copy");
	add_bulk(cls, "__or__");
	add_bulk(cls, "__ror__");
	abc = py.Dict_GetItemString(mods, "_collections_abc");
	if (abc) {
		cmap = py.GetAttrString(abc, "Mapping");
		ccm = py.GetAttrString(abc, "MutableMapping");
		ci = py.GetAttrString(abc, "ItemsView");
		cv = py.GetAttrString(abc, "ValuesView");
		py.Err_Clear();
		add_bulk(cmap, "__eq__");
		add_bulk(ccm, "update");
		add_bulk(ccm, "popitem"); /* os.environ.clear() */
		add_bulk(ci, "__iter__");
		add_bulk(cv, "__iter__");
		add_bulk(cv, "__contains__");
		xdecref(cmap);
		xdecref(ccm);
		xdecref(ci);
		xdecref(cv);
	}
	*why = "could not create the descriptors";
	cache = py.Dict_New();
	true_obj = py.Bool_FromLong(1);
	dg = py.Descr_NewMethod(cls, &getitem_def);
	dk = py.Descr_NewMethod(cls, &keys_def);
	if (!cache || !dg || !dk)
		goto fail;
	if (py.SetAttrString(cls, "__getitem__", dg) < 0)
		goto fail;
	if (py.SetAttrString(cls, "keys", dk) < 0) {
		py.Err_Clear();
		if (py.SetAttrString(cls, "__getitem__", orig_getitem) < 0)
			py.Err_Clear();
		goto fail;
	}
	py.DecRef(dg);
	py.DecRef(dk);
	py.DecRef(cls);
	return 1;
fail:
	py.Err_Clear();
	xdecref(dg);
	xdecref(dk);
	xdecref(cls);
	return -1;
}

static void try_install(void)
{
	const char *why = NULL;
	PyObject *et, *ev, *tb;
	int rc;
	py.Err_Fetch(&et, &ev, &tb);
	rc = install(&why);
	py.Err_Restore(et, ev, tb);
	if (rc == 0)
		return; /* os not imported yet (python -S): retried at the next audit event */
	set_version();
	state = rc > 0 ? PY_ON : PY_DONE;
	emit_runtime(rc > 0 ? "audit-hook" : "none", rc > 0 ? NULL : why);
}

/* Fills this thread's ct_g_pysite for the libc hook that follows (fork, connect, exec, setenv). */
static void stash_site(void)
{
	PyObject *et, *ev, *tb;
	py.Err_Fetch(&et, &ev, &tb);
	find_site(&ct_g_pysite, WALK_EVENT, NULL, NULL);
	py.Err_Clear();
	py.Err_Restore(et, ev, tb);
}

/* os.putenv/os.unsetenv: only credential names produce a set record that consumes the stash. */
static void stash_if_cred(PyObject *args)
{
	PyObject *key = py.Tuple_GetItem(args, 0);
	const char *s;
	if (!key) {
		py.Err_Clear();
		return;
	}
	s = key_text(key);
	if (s && ct_cred_name(s))
		stash_site();
}

/* Set while the adapter itself runs Python code that raises audit events. */
static __thread int in_hook;

static int is_site_event(const char *ev)
{
	static const char *const names[] = {"os.fork",         "os.forkpty", "os.exec",
	                                    "os.posix_spawn",  "os.system",  "socket.connect",
	                                    "subprocess.Popen"};
	size_t i;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(ev, names[i]))
			return 1;
	return 0;
}

/* Runs for every audit event of every interpreter and thread, with the GIL held: the fast path is a
 * few compares. Never fails (returning -1 would abort the event in user code). */
static int audit_hook(const char *ev, PyObject *args, void *ud)
{
	(void)ud;
	if (!ct_g_on || ct_g_guard || in_hook)
		return 0;
	/* A stash not consumed by the libc call right after its event is stale by the next event. */
	if (ct_g_pysite.set)
		ct_g_pysite.set = 0;
	if (CT_UNLIKELY(state != PY_ON)) {
		if (state == PY_WAITING && !strncmp(ev, "cpython.run_", 12))
			state = PY_PENDING;
		if (state == PY_PENDING) {
			in_hook = 1; /* function.__code__ raises object.__getattr__ events */
			try_install();
			in_hook = 0;
		}
		if (!strcmp(ev, "cpython._PySys_ClearAuditHooks") && state != PY_ON && state != PY_DONE) {
			const char *why = state == PY_PENDING
			                      ? "os was never imported"
			                      : "no cpython.run_* event: embedded interpreter";
			set_version();
			state = PY_DONE;
			emit_runtime("none", why);
		}
	}
	switch (ev[0]) {
	case 'o':
		if (!strcmp(ev, "os.putenv") || !strcmp(ev, "os.unsetenv"))
			stash_if_cred(args);
		else if (is_site_event(ev))
			stash_site();
		break;
	case 's':
		if (is_site_event(ev))
			stash_site();
		break;
	}
	return 0;
}

/* CPython's debug memory hooks check that every block is freed by the allocator that made it. A
 * hook registered before Python started is allocated with plain malloc and freed through the debug
 * hooks at exit: "Fatal Python error: _PyMem_DebugRawFree: bad ID". So no adapter when they are on:
 * PYTHONMALLOC=*debug, PYTHONDEVMODE, -X dev, or a debug build of Python. */
static const char *debug_allocators(void)
{
	extern char **environ;
	const char *m = ct_env_lookup(environ, "PYTHONMALLOC");
	const char *d = ct_env_lookup(environ, "PYTHONDEVMODE");
	if (m && strstr(m, "debug"))
		return "PYTHONMALLOC uses the debug allocator hooks";
	if (d && *d)
		return "PYTHONDEVMODE (debug allocator hooks)";
	for (int i = 1; ct_g_argv && ct_g_argv[i]; i++) {
		const char *a = ct_g_argv[i];
		if (!strcmp(a, "-Xdev") ||
		    (!strcmp(a, "-X") && ct_g_argv[i + 1] && !strcmp(ct_g_argv[i + 1], "dev")))
			return "-X dev (debug allocator hooks)";
		if (a[0] != '-' || !strcmp(a, "-c") || !strcmp(a, "-m"))
			break; /* the script and its own arguments */
	}
	if (dlsym(RTLD_DEFAULT, "_Py_RefTotal") || dlsym(RTLD_DEFAULT, "_Py_NegativeRefcount"))
		return "a debug build of Python (debug allocator hooks)";
	return NULL;
}

/* ---- is there a Python at all? -------------------------------------------------------------- */

/* ElfW() spelled out (cppcheck does not read <link.h>). */
#if UINTPTR_MAX == 0xffffffffu
typedef Elf32_Addr elf_addr;
typedef Elf32_Dyn elf_dyn;
typedef Elf32_Sym elf_sym;
#else
typedef Elf64_Addr elf_addr;
typedef Elf64_Dyn elf_dyn;
typedef Elf64_Sym elf_sym;
#endif

/* A pointer from a dynamic entry: ld.so rewrites them to addresses where .dynamic is writable, not
 * where it is read-only (the vDSO). */
static const void *dyn_ptr(const struct dl_phdr_info *info, elf_addr p)
{
	return (const void *)(p < info->dlpi_addr ? p + info->dlpi_addr : p);
}

/* Does this object define name in its GNU hash table? -1 when it has none to look in. */
static int gnu_defines(const struct dl_phdr_info *info, const char *name)
{
	const elf_dyn *dyn = NULL;
	const uint32_t *ht = NULL;
	const elf_sym *sym = NULL;
	const char *str = NULL;
	uint32_t h = 5381;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const elf_dyn *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_GNU_HASH)
			ht = dyn_ptr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_SYMTAB)
			sym = dyn_ptr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = dyn_ptr(info, dyn->d_un.d_ptr);
	}
	if (!ht || !sym || !str || !ht[0] || !ht[2])
		return -1;
	for (const char *c = name; *c; c++)
		h = h * 33 + (unsigned char)*c;
	const elf_addr *bloom = (const elf_addr *)(ht + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + ht[2]);
	const uint32_t *chain = buckets + ht[0];
	unsigned bits = 8 * sizeof(elf_addr);
	elf_addr word = bloom[(h / bits) % ht[2]];
	elf_addr mask = ((elf_addr)1 << (h % bits)) | ((elf_addr)1 << ((h >> ht[3]) % bits));
	if ((word & mask) != mask)
		return 0;
	for (uint32_t i = buckets[h % ht[0]]; i >= ht[1]; i++) {
		uint32_t ch = chain[i - ht[1]];
		if ((ch | 1) == (h | 1) && sym[i].st_shndx != SHN_UNDEF &&
		    !strcmp(str + sym[i].st_name, name))
			return 1;
		if (ch & 1)
			break;
	}
	return 0;
}

static int exports_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	return gnu_defines(info, data) != 0; /* defined, or no table: let dlsym decide */
}

/* May some loaded object define name? dlsym answers too, but when the answer is no (every process
 * that is not Python) it allocates its error message: malloc's first use, two brk calls and a page
 * or two of heap in a process that might never have touched malloc. */
static int loaded_may_define(const char *name)
{
	return dl_iterate_phdr(exports_cb, (void *)name) != 0;
}

/* ---- attach: the adapter installed in a running interpreter ---------------------------------- */

/* Py_AddPendingCall may be called from any thread without the GIL (3.11 and later, and earlier in
 * practice); the main thread runs the call with the GIL held at its next bytecode boundary. */
static int (*add_pending)(int (*)(void *), void *);
static int hook_added;

static int attach_cb(void *unused)
{
	PyObject *et, *ev, *tb;
	(void)unused;
	if (!ct_g_on)
		return 0;
	py.Err_Fetch(&et, &ev, &tb);
	in_hook = 1;
	if (state != PY_ON) {
		bulk_n = 0; /* install() lists them again */
		state = PY_PENDING;
		try_install();
	}
	if (!hook_added && py.AddAuditHook(audit_hook, NULL) == 0) /* fork and connect sites */
		hook_added = 1;
	py.Err_Clear();
	in_hook = 0;
	py.Err_Restore(et, ev, tb);
	return 0;
}

/* Puts os._Environ's own methods back (the audit hook cannot be removed: it does nothing once
 * tracing is off). */
static int detach_cb(void *unused)
{
	PyObject *et, *ev, *tb, *mods, *os, *cls;
	(void)unused;
	if (state != PY_ON || ct_g_on)
		return 0;
	py.Err_Fetch(&et, &ev, &tb);
	mods = py.Sys_GetObject("modules");
	os = mods ? py.Dict_GetItemString(mods, "os") : NULL;
	cls = os ? py.GetAttrString(os, "_Environ") : NULL;
	if (cls) {
		if (py.SetAttrString(cls, "__getitem__", orig_getitem) < 0 ||
		    py.SetAttrString(cls, "keys", orig_keys) < 0)
			py.Err_Clear();
		py.DecRef(cls);
		state = PY_OFF;
	}
	py.Err_Clear();
	py.Err_Restore(et, ev, tb);
	return 0;
}

static int resolve_api(void);

void ct_py_attach(void)
{
	const char *why;
	if (!loaded_may_define("Py_GetVersion") || !resolve_api())
		return;
	add_pending = (int (*)(int (*)(void *), void *))dlsym(RTLD_DEFAULT, "Py_AddPendingCall");
	if ((why = debug_allocators()) != NULL || !add_pending) {
		set_version();
		emit_runtime("none", why ? why : "no Py_AddPendingCall");
		return;
	}
	if (add_pending(attach_cb, NULL) != 0) {
		set_version();
		emit_runtime("none", "Py_AddPendingCall failed (queue full)");
	}
}

void ct_py_detach(void)
{
	if (add_pending && state == PY_ON)
		add_pending(detach_cb, NULL);
}

/* Resolves the C API; 0 (with a runtime record) when this Python lacks part of it. */
static int resolve_api(void)
{
	size_t i;
	void *p;
	py.AddAuditHook = (int (*)(py_audit_fn, void *))dlsym(RTLD_DEFAULT, "PySys_AddAuditHook");
	if (!py.AddAuditHook) {
		py.GetVersion = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
		if (py.GetVersion) {
			set_version();
			emit_runtime("none", "no PySys_AddAuditHook: Python < 3.8");
		}
		return 0;
	}
	for (i = 0; i < sizeof api / sizeof api[0]; i++) {
		p = dlsym(RTLD_DEFAULT, api[i].name);
		*api[i].slot = p;
		if (!p && !api[i].optional) {
			emit_runtime("none", "C API function missing");
			return 0;
		}
	}
	return 1;
}

/* Called at the end of the constructor. In a process that is not Python this is a look at each
 * loaded object's hash table for Py_GetVersion, with no dlsym. */
void ct_py_init(void)
{
	const char *flag;
	if (!loaded_may_define("Py_GetVersion") || !resolve_api())
		return;
	if (!ct_g_config.python) {
		set_version();
		emit_runtime("none", "CREDTRACE_PYTHON=0");
		return;
	}
	if ((flag = debug_allocators()) != NULL) {
		set_version();
		emit_runtime("none", flag);
		return;
	}
	state = PY_WAITING;
	if (py.AddAuditHook(audit_hook, NULL) != 0) {
		state = PY_OFF;
		set_version();
		emit_runtime("none", "PySys_AddAuditHook failed");
	}
}
