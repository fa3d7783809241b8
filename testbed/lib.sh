# Common settings for the testbed scripts; sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}
SRC=$OUT/linux			# extracted 6.12 tree, a git repository
KBUILD=${KBUILD:-$OUT/build}	# kernel object tree (make O=)
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

# Identity of the patch set: the series file and the patches it names.
patch_set_id() {
	(cd "$TOP/patches" && {
		cat series
		sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' series | xargs -r cat
	} | sha256sum | cut -c1-16)
}
