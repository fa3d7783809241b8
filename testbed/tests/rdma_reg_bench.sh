#!/bin/sh
# ibv_reg_mr/ibv_dereg_mr figures: the physr umem against 6.12's
# scatterlist umem (ib_uverbs.umem_sg), THP and 4 KiB pages, over rxe on
# the guest's e1000e NIC (see testbed/rdma/rdma_reg_bench.c). TAP, 1 result:
# the benchmark ran both umems on both kinds of memory; its figures are the
# TAP comments (make bench prints them). The metadata figures come from
# the tracepoint ib_umem:ib_umem_get.
MIB=${RDMA_REG_BENCH_MIB:-1024}
echo "TAP version 13"
echo "1..1"
nic=
for d in /sys/class/net/*; do
	[ "$(basename "$(readlink "$d/device/driver" 2>/dev/null)")" = e1000e ] && nic=$(basename "$d") && break
done
ip link set lo up
[ -e /sys/kernel/tracing/trace ] || mount -t tracefs nodev /sys/kernel/tracing
if [ -n "$nic" ]; then
	ip addr add 10.15.0.1/24 dev "$nic" 2>/dev/null
	ip link set "$nic" up
fi
if [ -z "$nic" ] || ! rdma link add rxe0 type rxe netdev "$nic"; then
	echo "not ok 1 rdma_reg_bench: no rxe link on an e1000e NIC"
	exit 1
fi
/usr/libexec/testbed/rdma_reg_bench "$MIB" >/tmp/bench.out 2>&1
rc=$?
sed 's/^/# /' /tmp/bench.out
rdma link delete rxe0
if [ $rc = 0 ] && grep -q 'rdma_reg_bench: done' /tmp/bench.out &&
	[ "$(grep -c 'ms/GiB' /tmp/bench.out)" = 4 ]; then
	echo "ok 1 rdma_reg_bench: ibv_reg_mr/ibv_dereg_mr of $MIB MiB, physr and sg umems, THP and 4 KiB pages"
else
	echo "not ok 1 rdma_reg_bench: ibv_reg_mr/ibv_dereg_mr of $MIB MiB, physr and sg umems, THP and 4 KiB pages"
	exit 1
fi
