#!/usr/bin/env bash
# Configure and build the patched kernel in out/build (make O=).
#
# The configuration is `make allnoconfig` with testbed/kernel.config as
# the forced fragment. Every option the fragment names is then checked in
# the resulting .config: an option that Kconfig dropped (a missing
# dependency, a typo) fails the build instead of silently testing less.
#
# Another configuration builds into its own folder with the same script:
#   TESTBED_CONFIG=testbed/other.config TESTBED_KBUILD=out/build-other \
#   TESTBED_GUEST=out/guest-other testbed/build-kernel.sh
# (see lib.sh; vmtest.py and build-guest.sh follow the same variables).
#
# Kbuild runs only when something it reads changed since the last build
# that succeeded (a file of out/linux outside .git, tools/testing and
# Documentation, or the .config); the UAPI headers are installed again
# only when a UAPI folder changed. A no-op costs a find, not a Kbuild walk.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frag=$KCONFIG_FRAG
[ -f "$frag" ] || die "no kernel config fragment $frag"
mkdir -p "$KBUILD"
kmake() { make -s -C "$SRC" O="$KBUILD" CC="ccache gcc" LOCALVERSION= "$@"; }

# Reconfigure only when the fragment or the Kconfig inputs changed, so an
# unchanged tree keeps its .config (and its timestamps).
cfg_id=$( { cat "$frag"; git -C "$SRC" rev-parse HEAD;
	cd "$TOP" && find $OVERLAY_DIRS -name 'Kconfig*' -type f -exec cat {} + 2>/dev/null || true; } |
	sha256sum | cut -c1-16)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$KBUILD/.testbed-config" 2>/dev/null)" != "$cfg_id" ]; then
	say "configuring: allnoconfig + ${frag#"$TOP"/}"
	kmake KCONFIG_ALLCONFIG="$frag" allnoconfig 2>&1 | srcpaths "$KBUILD"
	echo "$cfg_id" >"$KBUILD/.testbed-config"
fi

# Check the .config against the fragment whenever the .config changed.
if newer_than "$KBUILD/.testbed-config-ok" "$KBUILD/.config" "$frag"; then
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			if ! grep -qxF "$line" "$KBUILD/.config"; then
				got=$(grep -E "^(# )?${line%%=*}[= ]" "$KBUILD/.config" || echo "absent")
				say "config: wanted $line, got: $got"
				missing=1
			fi
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			if grep -q "^$sym=" "$KBUILD/.config"; then
				say "config: wanted $sym unset, but it is set"
				missing=1
			fi
			;;
		esac
	done <"$frag"
	[ "$missing" = 0 ] || die "kernel config does not have what ${frag#"$TOP"/} asks for"
	touch "$KBUILD/.testbed-config-ok"
fi

bzimage=$KBUILD/arch/x86/boot/bzImage
built=$KBUILD/.testbed-built
if [ -f "$bzimage" ] && ! newer_than "$built" "$KBUILD/.config" &&
	[ -z "$(find "$SRC" \( -path "$SRC/.git" -o -path "$SRC/tools/testing" -o \
		-path "$SRC/Documentation" \) -prune -o -newer "$built" -print -quit)" ]; then
	say "kernel up to date: ${bzimage#"$TOP"/}"
else
	# The stamp is taken before the build: what changes during it is
	# seen by the next one.
	touch "$built.new"
	release=$(cat "$KBUILD/include/config/kernel.release" 2>/dev/null) ||
		release=$(kmake kernelversion)$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"/\1/p' "$KBUILD/.config")
	say "building Linux $release (make -j$JOBS)"
	start=$(date +%s)
	kmake -j"$JOBS" bzImage 2>&1 | srcpaths "$KBUILD"
	mv "$built.new" "$built"
	say "kernel built in $(($(date +%s) - start)) s: ${bzimage#"$TOP"/}"
fi

hdrs=$KBUILD/.testbed-headers
if [ ! -d "$KBUILD/usr/include" ] || newer_than "$hdrs" "$KBUILD/.config" \
	"$SRC/include/uapi" "$SRC/arch/x86/include/uapi" "$SRC/scripts/headers_install.sh"; then
	touch "$hdrs.new"
	kmake -j"$JOBS" headers 2>&1 | srcpaths "$KBUILD"
	mv "$hdrs.new" "$hdrs"
fi
