#!/bin/sh
# Peer tools over soft-RoCE: see testbed/rdma/rdma_peer.sh.
exec /usr/libexec/testbed/rdma_peer rxe
