/* SPDX-License-Identifier: GPL-2.0 */
#include "../../../../../../include/linux/kexec_handover_abi.h"
