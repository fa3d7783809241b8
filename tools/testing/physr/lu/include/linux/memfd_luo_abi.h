/* SPDX-License-Identifier: GPL-2.0 */
#include "../../../../../../include/linux/memfd_luo_abi.h"
