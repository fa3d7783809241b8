# physr + live update on Linux 6.12: build and test entry points.
#
#   make deps            install build/test dependencies (apt-get; idempotent)
#   make build           patched kernel + guest programs, in out/
#   make check           everything: build, userspace tests, all VM tests
#   make check-debug     the live update tests on a KASAN/lockdep/kmemleak/UBSAN kernel
#   make test T=GLOB     only the VM tests whose id matches GLOB (see make list)
#   make list            the test ids of testbed/plan
#   make bench           the benchmarks (tests named *bench*), printing their figures
#   make demo            the live update demo: a memfd of guest RAM across a kexec
#   make vm              a shell in the VM on the patched kernel
#   make export-patches  turn commits made in out/linux back into patches/
#   make clean           remove out/ (ccache is kept)

SHELL := /bin/bash
TB := testbed

.PHONY: all deps tree kernel guest build check check-debug test bench demo list vm export-patches clean

all: build

deps:
	@$(TB)/deps.sh

tree: deps
	@$(TB)/tree.sh

kernel: tree
	@$(TB)/build-kernel.sh

guest: kernel
	@$(TB)/build-guest.sh

build: guest

check: build
	@$(TB)/check.sh

check-debug: build
	@$(TB)/check-debug.sh

test: build
	@python3 $(TB)/vmtest.py run $(T)

bench: build
	@python3 $(TB)/vmtest.py run --figures '*bench*'

demo: build
	@$(TB)/demo/demo.sh

list:
	@python3 $(TB)/vmtest.py list

vm: build
	@python3 $(TB)/vmtest.py vm

export-patches:
	@$(TB)/export-patches.sh

clean:
	rm -rf out
