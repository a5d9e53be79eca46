/* SPDX-License-Identifier: MIT */
/* check.h: the assertions every unit test uses (after libuv's test/task.h). Each check prints one TAP
 * line, "ok - what" or "not ok - what", which tests/run.sh counts; CHECK_DONE() prints the totals and
 * gives main's exit status. Values are shown for failed comparisons only, and never for anything a
 * test marks secret: tests pass canary values, and what they print is scanned (zz-canaries). */
#ifndef CT_TEST_CHECK_H
#define CT_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

/* One result. Returns cond, so that a test can stop when a precondition failed. */
static inline int check_ok(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	cond ? check_passed++ : check_failed++;
	return cond;
}

/* ok(cond, printf-style description) */
#define OK(cond, ...)                                                                                        \
	({                                                                                                   \
		char check_what_[512];                                                                       \
		snprintf(check_what_, sizeof check_what_, __VA_ARGS__);                                      \
		check_ok(!!(cond), check_what_);                                                             \
	})

/* Integers and strings: on failure the line also says what was got and what was wanted. */
#define CHECK_INT(got, want, ...)                                                                            \
	({                                                                                                   \
		long long check_g_ = (long long)(got), check_w_ = (long long)(want);                         \
		char check_what_[512];                                                                       \
		int check_n_ = snprintf(check_what_, sizeof check_what_, __VA_ARGS__);                       \
		if (check_g_ != check_w_ && check_n_ >= 0 && (size_t)check_n_ < sizeof check_what_)          \
			snprintf(check_what_ + check_n_, sizeof check_what_ - (size_t)check_n_,              \
			         " (got %lld, want %lld)", check_g_, check_w_);                              \
		check_ok(check_g_ == check_w_, check_what_);                                                 \
	})
#define CHECK_STR(got, want, ...)                                                                            \
	({                                                                                                   \
		const char *check_g_ = (got), *check_w_ = (want);                                            \
		int check_eq_ = check_g_ && check_w_ ? strcmp(check_g_, check_w_) == 0 : check_g_ == check_w_; \
		char check_what_[1024];                                                                      \
		int check_n_ = snprintf(check_what_, sizeof check_what_, __VA_ARGS__);                       \
		if (!check_eq_ && check_n_ >= 0 && (size_t)check_n_ < sizeof check_what_)                    \
			snprintf(check_what_ + check_n_, sizeof check_what_ - (size_t)check_n_,              \
			         " (got \"%s\", want \"%s\")", check_g_ ? check_g_ : "(null)",              \
			         check_w_ ? check_w_ : "(null)");                                            \
		check_ok(check_eq_, check_what_);                                                            \
	})

/* End of main: the totals line, and 1 when anything failed. */
#define CHECK_DONE()                                                                                         \
	(printf("%d passed, %d failed\n", check_passed, check_failed), check_failed != 0)

#endif
