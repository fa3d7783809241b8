/* SPDX-License-Identifier: GPL-2.0 */
#include "../../../../../../../include/uapi/linux/liveupdate.h"
