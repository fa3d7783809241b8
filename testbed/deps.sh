#!/usr/bin/env bash
# Install what building and testing needs, from Debian's archive.
# Idempotent and quiet when everything is already there.
set -euo pipefail

pkgs=(
	linux-source-6.12			# the 6.12 base tree
	build-essential bc flex bison libelf-dev libssl-dev cpio xz-utils
	rsync file python3 ccache git
	qemu-system-x86 qemu-system-data	# the test VM (and edu's spec)
	busybox-static				# the guest's userspace
	libfdt-dev				# KHO tools
	clang llvm lld libclang-rt-14-dev	# libFuzzer, sanitizers, llvm-cov for the fuzzers
	valgrind				# instruction counts for benchmarks
	python3-sphinx				# make docs (Sphinx 5.3)
	# RDMA in the guest (testbed/rdma/): libibverbs, the rxe and siw
	# providers, the peer tools, the headers of our verbs program
	rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
	libibverbs-dev librdmacm-dev iproute2
)
# One dpkg-query for all of them: this runs before every make test.
# It exits 1 when a package was never installed (the usual case on a
# new machine), which must not stop the script under pipefail.
installed=" $( { dpkg-query -W -f='${Status} ${Package}\n' "${pkgs[@]}" 2>/dev/null || true; } |
	sed -n 's/^install ok installed //p' | tr '\n' ' ')"
missing=()
for p in "${pkgs[@]}"; do
	[[ $installed == *" $p "* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "[testbed] installing: ${missing[*]}"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
