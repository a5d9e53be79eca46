/* SPDX-License-Identifier: MIT */
/* tool_symbolize.c: symbolize.c against this very program and libc; with arguments, a lookup tool
 * for test scripts: tool_symbolize PATH BUILD_ID 0xOFFSET prints "func<TAB>file<TAB>line". */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symbolize.h"

struct self {
	uintptr_t addr; /* find the object holding this address */
	uintptr_t bias;
	char build_id[129];
	const char *name;
};

static int self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct self *s = data;
	int hit = 0;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t b = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && s->addr >= b && s->addr < b + ph->p_memsz)
			hit = 1;
	}
	if (!hit)
		return 0;
	s->bias = info->dlpi_addr;
	s->name = info->dlpi_name;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const char *desc = p + sizeof *nh + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_descsz <= 64) {
				for (unsigned j = 0; j < nh->n_descsz; j++)
					sprintf(s->build_id + 2 * j, "%02x", (unsigned char)desc[j]);
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

/* Kept out of line so it has a symbol and a line of its own. */
__attribute__((noinline, used)) static int symbolize_me(int x)
{
	return x * 3 + 1;
}

/* libc's fputs at off in libc.name: symbolized from .dynsym even without debug info. */
static void check_libc(const char *name, const void *fn)
{
	struct self libc = {(uintptr_t)fn, 0, "", NULL};
	struct sym_result r;
	int found;

	dl_iterate_phdr(self_cb, &libc);
	found = libc.name && sym_lookup(libc.name, libc.build_id, (uintptr_t)fn - libc.bias + 2, &r);
	int good = found && (!strcmp(r.func, "fputs") || !strcmp(r.func, "_IO_fputs"));
	OK(good, "%s%s%s", name, good ? "" : ": ", good ? "" : found ? r.func : "not found");
}

static int tool(char **argv)
{
	struct sym_result r;
	int found = sym_lookup(argv[1], argv[2][0] ? argv[2] : NULL, strtoull(argv[3], NULL, 0), &r);
	if (found)
		printf("%s\t%s\t%d\n", r.func, r.file, r.line);
	sym_cleanup();
	return found ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4)
		return tool(argv);
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	struct self me = {(uintptr_t)&symbolize_me, 0, "", NULL};
	dl_iterate_phdr(self_cb, &me);
	uint64_t off = (uintptr_t)&symbolize_me - me.bias + 4; /* inside the function, not at its start */
	struct sym_result r;

	int found = sym_lookup(exe, me.build_id, off, &r);
	CHECK_STR(found ? r.func : "(not found)", "symbolize_me", "own function by path and build id");
	OK(found && strstr(r.file, "tool_symbolize.c") && r.line > 0, "own function has a source line");
	found = sym_lookup(exe, me.build_id, off, &r);
	CHECK_STR(found ? r.func : "(not found)", "symbolize_me", "cached second lookup");
	found = sym_lookup(exe, NULL, off, &r);
	CHECK_STR(found ? r.func : "(not found)", "symbolize_me", "no build id given still resolves");
	OK(!sym_lookup(exe, "00112233445566778899aabbccddeeff00112233", off, &r),
	   "a different build id is refused");
	OK(!sym_lookup("/nonexistent/lib.so", "ffeeddccbbaa99887766554433221100ffeeddcc", 0x1000, &r),
	   "a missing file with an unknown build id gives nothing");

	/* libc: symbols from .dynsym even without debug info. libc's own fputs, from its handle, holds in
	 * every build; &fputs in this program does only without a sanitizer runtime, which interposes
	 * its interceptor (make SANITIZE=address: __interceptor_fputs in libasan.so). */
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *libc_fputs = h ? dlsym(h, "fputs") : NULL;
	if (libc_fputs)
		check_libc("libc function by name (libc's own fputs)", libc_fputs);
	else
		OK(0, "libc function by name (libc's own fputs): %s", dlerror());
	if (h)
		dlclose(h);
	struct self me_fputs = {(uintptr_t)&fputs, 0, "", NULL};
	dl_iterate_phdr(self_cb, &me_fputs);
	const char *san = getenv("SANITIZE");
	if (me_fputs.name && !strstr(me_fputs.name, "/libc.so"))
		printf("skip - libc function by name (fputs as linked): fputs here is in %s, a sanitizer "
		       "runtime's interceptor (SANITIZE=%s), not libc's\n",
		       me_fputs.name, san && *san ? san : "?");
	else
		check_libc("libc function by name (fputs as linked)", (const void *)&fputs);
	sym_cleanup();
	sym_cleanup(); /* idempotent */
	return CHECK_DONE();
}
