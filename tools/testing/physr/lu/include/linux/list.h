/* SPDX-License-Identifier: GPL-2.0 */
/* Provided by lu_kernel.h. */
