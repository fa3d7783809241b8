/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: min() insists on equal types, as the kernel's does. */
#ifndef _PHYSR_SHIM_MINMAX_H
#define _PHYSR_SHIM_MINMAX_H
#define min(a, b) ({						\
	__typeof__(a) __a = (a);				\
	__typeof__(b) __b = (b);				\
	(void)(&__a == &__b);					\
	__a < __b ? __a : __b;					\
})
#define min_t(t, a, b)	min((t)(a), (t)(b))
#endif
