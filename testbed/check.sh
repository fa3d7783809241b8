#!/usr/bin/env bash
# make check: the userspace suites, then the whole VM plan, summed into one
# closing line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Userspace suites: folders of the repository with a `make check` that ends
# its output with "N passed, N failed" (listed in testbed/userspace).
ulogs=$OUT/userspace-logs
rm -rf "$ulogs"
mkdir -p "$ulogs"
while read -r dir; do
	case "$dir" in ''|'#'*) continue ;; esac
	name=${dir//\//_}
	say "userspace suite $dir (make -C $dir check)"
	if make -s -C "$TOP/$dir" check >"$ulogs/$name.log" 2>&1; then rc=0; else rc=$?; fi
	echo "# testbed: rc=$rc" >>"$ulogs/$name.log"
	tail -n 3 "$ulogs/$name.log" | sed 's/^/  /'
done <"$TOP/testbed/userspace"

exec python3 "$TOP/testbed/vmtest.py" run --userspace-logs "$ulogs"
