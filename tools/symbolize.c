/* SPDX-License-Identifier: MIT */
/* symbolize.c: (module path, build id, offset) -> function, file:line, offline with elfutils libdwfl. */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One module as the shim described it. The shim's offsets are relative to the module's load bias
 * (dl_iterate_phdr's dlpi_addr, 0 for a non-PIE executable), so an offset is an ELF virtual address
 * of the file; libdwfl lays offline modules out at an address of its own, which bias undoes. */
struct symmod {
	struct symmod *next;
	char *path;     /* as given, "" when none */
	char *build_id; /* as given, "" when none */
	Dwfl *dwfl;     /* NULL when nothing usable was found: cached as a miss */
	Dwfl_Module *mod;
	GElf_Addr bias;
	struct symhit *hits; /* lookups by offset: open addressing, nhits < cap / 2 */
	size_t nhits, caphits;
};

/* One looked-up offset. A busy trace names the same few call sites in every record (40,000 setenv
 * from one line): libdw's lookup per record was where the report's time went (issue 14). */
struct symhit {
	uint64_t offset;
	int used, ok;
	struct sym_result *res; /* NULL when ok is 0 */
};

static struct symmod *mods;

static char *debuginfo_path; /* libdwfl's default search path: NULL means its built-in one */
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

static void hex_of(const unsigned char *b, int n, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < outlen; i++) {
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	out[o] = 0;
}

/* An fd for file when it is a regular file, else -1. A trace may name any path: a FIFO there would
 * block open(2) until a writer came (forever), a device may block or act on open. So stat first (a
 * device is never opened), open non-blocking (a FIFO swapped in since then cannot block us) and
 * check the opened file again. */
static int open_regular(const char *file)
{
	struct stat st;
	int fd;

	if (!file[0] || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reports file as the only module of a new Dwfl; refuses it when want_id is given and differs
 * (the file was rebuilt or replaced since the trace was taken: its lines would lie). */
static int open_file(struct symmod *m, const char *file, const char *want_id)
{
	int fd = open_regular(file);
	if (fd < 0)
		return 0;
	Dwfl *dwfl = dwfl_begin(&callbacks);
	if (!dwfl) {
		close(fd);
		return 0;
	}
	dwfl_report_begin(dwfl);
	/* libdwfl takes the fd on success only (libdwfl.h, dwfl_report_elf). */
	Dwfl_Module *mod = dwfl_report_offline(dwfl, file, file, fd);
	if (!mod)
		close(fd);
	dwfl_report_end(dwfl, NULL, NULL);
	GElf_Addr bias = 0;
	if (!mod || !dwfl_module_getelf(mod, &bias))
		goto fail;
	if (want_id[0]) {
		const unsigned char *bits;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr);
		char have[129];
		if (n <= 0)
			goto fail;
		hex_of(bits, n, have, sizeof have);
		if (strcasecmp(have, want_id) != 0)
			goto fail;
	}
	m->dwfl = dwfl;
	m->mod = mod;
	m->bias = bias;
	return 1;
fail:
	dwfl_end(dwfl);
	return 0;
}

/* The path first; then the debug file that distributions install under the build id
 * (Debian's -dbgsym packages: /usr/lib/debug/.build-id/ab/cdef....debug), which carries the same
 * program headers and hence the same addresses. */
static void open_module(struct symmod *m)
{
	if (open_file(m, m->path, m->build_id))
		return;
	size_t n = strlen(m->build_id);
	if (n < 4)
		return;
	static const char *const dirs[] = {"/usr/lib/debug/.build-id", "/usr/local/lib/debug/.build-id"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char file[512];
		snprintf(file, sizeof file, "%s/%.2s/%s.debug", dirs[i], m->build_id, m->build_id + 2);
		if (open_file(m, file, m->build_id))
			return;
	}
}

static struct symmod *module_for(const char *path, const char *build_id)
{
	if (!path)
		path = "";
	if (!build_id)
		build_id = "";
	for (struct symmod *m = mods; m; m = m->next)
		if (strcmp(m->path, path) == 0 && strcmp(m->build_id, build_id) == 0)
			return m;
	struct symmod *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->path = strdup(path);
	m->build_id = strdup(build_id);
	if (!m->path || !m->build_id) {
		free(m->path);
		free(m->build_id);
		free(m);
		return NULL;
	}
	open_module(m);
	m->next = mods;
	mods = m;
	return m;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static struct symhit *hit_slot(struct symmod *m, uint64_t offset)
{
	size_t i = (size_t)((offset * 0x9e3779b97f4a7c15ull) >> 20) & (m->caphits - 1);
	while (m->hits[i].used && m->hits[i].offset != offset)
		i = (i + 1) & (m->caphits - 1);
	return &m->hits[i];
}

/* Room for one more entry (the table doubles at half full); 0 when memory ran out. */
static int hits_grow(struct symmod *m)
{
	struct symhit *old = m->hits;
	size_t oldcap = m->caphits;
	if (m->nhits + 1 < m->caphits / 2)
		return 1;
	m->caphits = oldcap ? oldcap * 2 : 64;
	m->hits = calloc(m->caphits, sizeof *m->hits);
	if (!m->hits) {
		m->hits = old;
		m->caphits = oldcap;
		return 0;
	}
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].used)
			*hit_slot(m, old[i].offset) = old[i];
	free(old);
	return 1;
}

static int lookup_dw(struct symmod *m, uint64_t offset, struct sym_result *out);

int sym_lookup(const char *path, const char *build_id, uint64_t offset, struct sym_result *out)
{
	struct symhit *h;
	int ok;
	memset(out, 0, sizeof *out);
	struct symmod *m = module_for(path, build_id);
	if (!m || !m->mod)
		return 0;
	if (m->caphits && (h = hit_slot(m, offset))->used) {
		if (h->ok)
			*out = *h->res;
		return h->ok;
	}
	ok = lookup_dw(m, offset, out);
	if (!hits_grow(m))
		return ok;
	h = hit_slot(m, offset);
	h->used = 1;
	h->offset = offset;
	h->ok = ok;
	if (ok && (h->res = malloc(sizeof *h->res)) != NULL)
		*h->res = *out;
	else
		h->ok = 0; /* out of memory: a miss from now on is the safe side */
	m->nhits++;
	return ok;
}

static int lookup_dw(struct symmod *m, uint64_t offset, struct sym_result *out)
{
	Dwarf_Addr addr = offset + m->bias;
	copy(out->func, sizeof out->func, dwfl_module_addrname(m->mod, addr));
	Dwfl_Line *line = dwfl_module_getsrc(m->mod, addr);
	if (line) {
		int lineno = 0;
		const char *src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		copy(out->file, sizeof out->file, src);
		out->line = src ? lineno : 0;
	}
	return out->func[0] || out->file[0];
}

void sym_cleanup(void)
{
	while (mods) {
		struct symmod *m = mods;
		mods = m->next;
		if (m->dwfl)
			dwfl_end(m->dwfl);
		for (size_t i = 0; i < m->caphits; i++)
			free(m->hits[i].res);
		free(m->hits);
		free(m->path);
		free(m->build_id);
		free(m);
	}
}
