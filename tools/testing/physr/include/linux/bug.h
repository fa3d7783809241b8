/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: a kernel WARN is a test failure here, so abort. */
#ifndef _PHYSR_SHIM_BUG_H
#define _PHYSR_SHIM_BUG_H
#include <stdio.h>
#include <stdlib.h>
#define WARN_ON_ONCE(cond) ({						\
	int __c = !!(cond);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})
#endif
