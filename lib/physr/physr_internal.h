/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physr: what the physr core shares with its own tests, not with users.
 */
#ifndef _LIB_PHYSR_INTERNAL_H
#define _LIB_PHYSR_INTERNAL_H

#ifdef CONFIG_FAULT_INJECTION
struct fault_attr;

/*
 * Fails the allocation of list storage: the slab array of a short list and
 * chunk pages (physr.c).  For the KUnit tests of the moves between forms.
 */
extern struct fault_attr fail_physr_alloc;
#endif

#endif /* _LIB_PHYSR_INTERNAL_H */
