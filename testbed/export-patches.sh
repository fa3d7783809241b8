#!/usr/bin/env bash
# Turn the commits on top of "base" in out/linux back into patches/.
#
# Workflow: edit 6.12 files in out/linux, commit there (a new commit for a
# new patch, or `git commit --fixup` + `git rebase -i --autosquash base` to
# change an existing one), then run this. Each commit becomes a patch in
# patches/ (keeping the file name of the patch with the same subject, or
# named after its subject) and patches/series is rewritten in commit order. The tree is marked as up to date so the next build does not
# re-apply what it already has.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$SRC/.git" ] || die "no build tree at $SRC; run make build first"
if [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no)" ]; then
	git -C "$SRC" status --short --untracked-files=no >&2
	die "commit the edits in $SRC first (git -C $SRC commit -a), one commit per patch"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$SRC" format-patch -q --zero-commit --no-signature --no-numbered --filename-max-length=100 \
	-o "$tmp" base..HEAD
{
	echo "# Patches against Linux 6.12, applied in this order by testbed/tree.sh."
	for f in "$tmp"/*.patch; do
		[ -e "$f" ] || continue
		# Keep the file name of the patch with the same subject, so an
		# amended patch stays where it was; a new one is named after its
		# subject (0001-lib-add-physr.patch -> lib-add-physr.patch).
		subject=$(grep -m1 '^Subject: ' "$f")
		name=$(grep -lxF -- "$subject" "$TOP"/patches/*.patch 2>/dev/null | head -n 1 || true)
		name=${name##*/}
		if [ -z "$name" ]; then
			name=${f##*/}
			name=${name#[0-9][0-9][0-9][0-9]-}
		fi
		cp "$f" "$TOP/patches/$name"
		echo "$name"
	done
} >"$tmp/series"
# Drop patch files that are no longer part of the series.
for f in "$TOP"/patches/*.patch; do
	[ -e "$f" ] || continue
	grep -qxF "${f##*/}" "$tmp/series" || { rm -f "$f"; say "removed ${f##*/}"; }
done
mv "$tmp/series" "$TOP/patches/series"
patch_id=$(patch_set_id)
echo "$patch_id" >"$SRC/.git/testbed-patches"
say "patches/series: $(grep -vc '^#' "$TOP/patches/series") patches"
