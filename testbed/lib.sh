# Common settings for the testbed scripts; sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}
SRC=$OUT/linux			# extracted 6.12 tree, a git repository
# Kernel object tree (make O=), its configuration fragment and the guest
# root built for it: another configuration (a sanitizer kernel, say) gets
# its own folders by setting these three (see README.md, "Another kernel
# configuration").
KBUILD=$(realpath -m "${TESTBED_KBUILD:-$OUT/build}")
KCONFIG_FRAG=$(realpath -m "${TESTBED_CONFIG:-$TOP/testbed/kernel.config}")
GUEST=$(realpath -m "${TESTBED_GUEST:-$OUT/guest}")
PLAN=${TESTBED_PLAN:-$TOP/testbed/plan}
export TESTBED_KBUILD=$KBUILD TESTBED_CONFIG=$KCONFIG_FRAG TESTBED_GUEST=$GUEST
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# Top-level folders of the repository that are copied into the kernel tree.
OVERLAY_DIRS="arch Documentation drivers include kernel lib mm tools"
JOBS=${JOBS:-$(($(nproc) + 1))}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/physr-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths under out/ are hashed relative to it, so clones in other folders
# (CI, worktrees) share the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$OUT}

say() { printf '[testbed] %s\n' "$*"; }
die() { printf '[testbed] error: %s\n' "$*" >&2; exit 1; }

# Compiler messages name the repository's files, not their copies in
# out/linux (testbed/srcpaths.py); $1: where relative names start from.
srcpaths() { python3 "$TOP/testbed/srcpaths.py" --cwd "$1"; }

# True if any of the paths after $1 is newer than $1 (or $1 is missing).
newer_than() {
	local t=$1
	shift
	[ -e "$t" ] || return 0
	[ -n "$(find "$@" -newer "$t" -print -quit 2>/dev/null)" ]
}

# Identity of the patch set: the series file and the patches it names.
patch_set_id() {
	(cd "$TOP/patches" && {
		cat series
		sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' series | xargs -r cat
	} | sha256sum | cut -c1-16)
}
