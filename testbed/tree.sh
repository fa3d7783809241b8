#!/usr/bin/env bash
# Prepare out/linux: Debian's 6.12 source as a git repository whose first
# commit is the pristine tarball, one commit per patch in patches/series,
# and the repository's overlay files copied on top (untracked).
#
# Re-running is incremental: patches are re-applied only when the series
# changed, and overlay files are written only when their content differs,
# so make rebuilds only what really changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$TOP/patches/series
[ -f "$TARBALL" ] || die "kernel source tarball $TARBALL is missing (install it with: make deps)"

git_k() { git -C "$SRC" -c user.name=testbed -c user.email=testbed@physr.invalid "$@"; }

tarball_id=$(stat -c '%s-%Y' "$TARBALL")
if [ ! -f "$SRC/.git/testbed-tarball" ] || [ "$(cat "$SRC/.git/testbed-tarball")" != "$tarball_id" ]; then
	say "extracting $TARBALL"
	rm -rf "$SRC" "$KBUILD"
	mkdir -p "$SRC"
	tar -xf "$TARBALL" -C "$SRC" --strip-components=1
	git_k init -q
	# A throwaway repository of ~80k files: never spend a build on gc.
	git_k config gc.auto 0
	# Fixed-width blob ids in the exported patches, however many objects
	# the repository has, so that re-exporting does not churn them.
	git_k config core.abbrev 9
	git_k add -A -f
	git_k commit -q -m "base: $(basename "$TARBALL")"
	git_k tag base
	echo "$tarball_id" >"$SRC/.git/testbed-tarball"
fi
version=$(make -s -C "$SRC" kernelversion)
base="Linux $version from $TARBALL ($(dpkg-query -W -f='${Package} ${Version}' linux-source-6.12 2>/dev/null || echo 'package version unknown'))"
say "base: $base"
echo "$base" >"$OUT/base-version"

# The patch set is identified by the content of the series and its patches.
patch_id=$(patch_set_id)
if [ "$(cat "$SRC/.git/testbed-patches" 2>/dev/null)" != "$patch_id" ]; then
	if [ -n "$(git_k status --porcelain --untracked-files=no)" ]; then
		die "$SRC has uncommitted edits to 6.12 files; turn them into a patch (make export-patches) or discard them (git -C $SRC checkout .)"
	fi
	say "applying patches/series"
	git_k am --abort >/dev/null 2>&1 || true
	git_k reset -q --hard base
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		[ -f "$TOP/patches/$p" ] || die "patches/series names $p, which does not exist"
		if ! git_k am -q --keep-cr "$TOP/patches/$p" >"$OUT/patch.log" 2>&1; then
			cat "$OUT/patch.log" >&2
			git_k am --abort >/dev/null 2>&1 || true
			rm -f "$SRC/.git/testbed-patches"
			die "patch $p does not apply to Linux $version"
		fi
		say "  applied $p"
	done <"$series"
	echo "$patch_id" >"$SRC/.git/testbed-patches"
fi

# Overlay: copy files whose content differs; forget files removed from the repo.
manifest=$SRC/.git/testbed-overlay
new_manifest=$(mktemp)
# Files of the repository (tracked, or new and not ignored): build products
# of the userspace harnesses stay out of the kernel tree.
# shellcheck disable=SC2086
git -C "$TOP" ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS |
	while read -r f; do if [ -f "$TOP/$f" ]; then echo "$f"; fi; done | sort >"$new_manifest"
if [ -f "$manifest" ]; then
	comm -23 "$manifest" "$new_manifest" | while read -r f; do
		if git_k cat-file -e "HEAD:$f" 2>/dev/null; then
			git_k checkout -q HEAD -- "$f"
		else
			rm -f "$SRC/$f"
		fi
		say "  overlay: removed $f"
	done
fi
changed=$(cd "$TOP" && rsync -rc --itemize-changes --files-from="$new_manifest" . "$SRC/" | grep -c '^>f' || true)
mv "$new_manifest" "$manifest"
say "overlay: $(wc -l <"$manifest") files, $changed updated"
