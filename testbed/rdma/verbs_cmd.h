/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTBED_RDMA_VERBS_CMD_H
#define TESTBED_RDMA_VERBS_CMD_H

#include <infiniband/verbs.h>
#include <stdint.h>

/*
 * libibverbs' provider helper that sends the kernel the REG_DMABUF_MR verb
 * (exported for providers, not in an installed header). The last argument
 * (a chain of driver attributes) is absent before rdma-core 46; NULL
 * either way.
 */
struct ibv_command_buffer;
int ibv_cmd_reg_dmabuf_mr(struct ibv_pd *pd, uint64_t offset, size_t length,
			  uint64_t iova, int fd, int access, void *vmr,
			  struct ibv_command_buffer *driver);

#endif
