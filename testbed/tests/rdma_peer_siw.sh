#!/bin/sh
# Peer tools over soft-iWARP: see testbed/rdma/rdma_peer.sh.
exec /usr/libexec/testbed/rdma_peer siw
