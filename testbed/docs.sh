#!/usr/bin/env bash
# make docs: Sphinx HTML of Documentation/core-api, userspace-api and
# driver-api of out/linux, built together (so that links between them
# resolve) with 6.12's conf.py and kernel-doc extension, into
# out/docs/html. Every warning is logged in out/docs/warnings.log; the
# run fails if one of them is about a file of this repository (a document
# of the overlay, or a source file one of them renders), and says how many
# came from 6.12's own files.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$SRC/Documentation/conf.py" ] || die "run make build first ($SRC)"
command -v sphinx-build >/dev/null || die "sphinx-build missing (make deps)"

docs=$OUT/docs
rm -rf "$docs/src"
mkdir -p "$docs/src"
# Everything is linked, for the include directives that reach elsewhere
# (../ABI/..., ../../atomic_bitops.txt); all but the three books are
# excluded as documents.
exclude=output
for d in "$SRC"/Documentation/*; do
	d=$(basename "$d")
	[ "$d" = index.rst ] && continue
	ln -s "$SRC/Documentation/$d" "$docs/src/$d"
	case "$d" in
	core-api | userspace-api | driver-api) ;;
	*) exclude="$exclude,$d" ;;
	esac
done
# The media book includes headers that 6.12's Makefile generates first;
# it is not ours, leave it out too.
exclude="$exclude,userspace-api/media"
cat >"$docs/src/index.rst" <<'RST'
The physr and live update documents, with the books that hold them
==================================================================

.. toctree::
   :maxdepth: 1

   core-api/index
   userspace-api/index
   driver-api/index
RST

say "sphinx-build core-api userspace-api driver-api (10-40 min the first time)"
# 6.12's conf.py wants its own directory as the configuration directory
# and finds kernel-doc through these two settings.
(cd "$SRC/Documentation" &&
	srctree=$SRC sphinx-build -b html -q -j "${JOBS:-2}" -c "$SRC/Documentation" \
		-D kerneldoc_srctree="$SRC" -D kerneldoc_bin="$SRC/scripts/kernel-doc" -D exclude_patterns="$exclude" \
		-d "$docs/doctrees" -w "$docs/warnings.log" "$docs/src" "$docs/html") \
	>"$docs/sphinx.log" 2>&1
rc=$?
[ $rc = 0 ] || { tail -20 "$docs/sphinx.log"; die "sphinx-build failed ($rc), log in $docs/sphinx.log"; }

# Our files: the overlay's documents (as Sphinx names them, under
# $docs/src) and the sources they render (under $SRC), and the 6.12
# sources our patches change (a patch once moved a kernel-doc comment off
# its function in drivers/iommu/iommufd/main.c).  Not the 6.12 documents
# they change: only index.rst toctrees, whose warnings here come from the
# books this build leaves out.
cd "$TOP" || exit 1
ours=$({ git ls-files -- Documentation drivers include kernel lib mm
	sed -n 's|^+++ b/||p' patches/*.patch | grep -v '^Documentation/'; } |
	sort -u |
	sed -e "s|^Documentation/|$docs/src/|" -e "t" -e "s|^|$SRC/|")
# Sphinx's warnings, and kernel-doc's own (on Sphinx's stderr).
total=$(($(grep -c 'WARNING\|ERROR' "$docs/warnings.log") + $(grep -c ': warning:' "$docs/sphinx.log")))
{ grep 'WARNING\|ERROR' "$docs/warnings.log"; grep ': warning:' "$docs/sphinx.log"; } |
while IFS= read -r line; do
	for f in $ours; do
		case "$line" in "$f:"* | *" $f:"*) echo "$line"; break ;; esac
	done
done >"$docs/ours.log"
n=$(wc -l <"$docs/ours.log")
cat "$docs/ours.log"
say "Sphinx: $n warnings from this repository's files, $((total - n)) from 6.12's (out/docs/warnings.log); HTML in out/docs/html"
[ "$n" = 0 ]
