# physr + live update on Linux 6.12: build and test entry points.
# `make help` lists the targets and the variables they take.

SHELL := /bin/bash
TB := testbed

# Each word of T, BOOT, CMD and APPEND reaches the scripts as it was
# written, never expanded by the shell ($(call q,...) single-quotes it).
q = '$(subst ','\'',$(1))'
TESTS := $(foreach p,$(T),$(call q,$(p)))

.PHONY: all help deps tree kernel guest build check check-debug test bench demo list \
	vm docs fuzz export-patches clean

# make fuzz: seconds each fuzzer runs.
FUZZ_SECONDS ?= 180

all: build

help:
	@echo 'Targets:'
	@echo '  make build           the patched kernel and the guest programs, in out/'
	@echo '                       (only what changed is rebuilt)'
	@echo '  make check           everything: build, userspace suites, every VM test;'
	@echo '                       ends with "N passed, N failed", non-zero exit on failure'
	@echo '  make check-debug     the live update tests on a sanitizer kernel (KASAN,'
	@echo '                       lockdep, kmemleak, UBSAN); a report is a failure;'
	@echo '                       T=PATTERN narrows it, as for make test'
	@echo '  make test T=PATTERN  the VM tests PATTERN selects (see make list), e.g.'
	@echo "                         T='kselftest:iommu/*'      a suite"
	@echo "                         T='physr_dma_swiotlb/kunit:physr_dma'   one boot of it"
	@echo "                         T='p2p/*'                  every test of a boot"
	@echo "                         T='kunit:physr_mm:CASE'    one KUnit case"
	@echo "                         T='kselftest:liveupdate/liveupdate_uapi:luo.create_names'"
	@echo '                                                    one kselftest_harness case'
	@echo '  make list [T=...]    the test ids of testbed/plan (or the selection), with their boots'
	@echo '  make bench           the benchmarks (tests named *bench*) and their figures'
	@echo '  make demo            the live update demo: guest RAM and edu DMAing into it across a kexec'
	@echo '  make vm              a shell in the test guest (BOOT=, CMD=, APPEND=)'
	@echo '  make docs            Sphinx HTML of core-api, userspace-api and driver-api;'
	@echo '                       fails on a warning from this repository'"'"'s files'
	@echo '  make fuzz            the fuzzers of the physr and live update validators,'
	@echo '                       FUZZ_SECONDS each, corpus kept in out/fuzz/, then'
	@echo '                       their per-function line and branch coverage'
	@echo '  make deps            install the build and test dependencies (apt-get)'
	@echo '  make export-patches  turn commits made in out/linux back into patches/'
	@echo '  make clean           remove out/ (the ccache is kept)'
	@echo 'Variables:'
	@echo '  T=PATTERN...         tests for make test (globs, space-separated)'
	@echo '  BOOT=NAME            make vm: that boot of the plan (its append= and qemu=)'
	@echo "  CMD='COMMAND'        make vm: run COMMAND in the guest, power off, exit with"
	@echo '                       its status'
	@echo '  APPEND=ARGS          make vm: more kernel arguments'
	@echo '  TEST_TIMEOUT=S       make test/check: every test stage at most S seconds'
	@echo '  LOGS_KEEP=N          runs kept in out/logs (default 20)'
	@echo '  TESTBED_PLAN=FILE    another plan file (e.g. to try a change out)'
	@echo '  TESTBED_CONFIG=F TESTBED_KBUILD=D TESTBED_GUEST=D'
	@echo '                       another kernel configuration in its own folders'
	@echo '  JOBS=N               parallel build jobs'
	@echo '  FUZZ_SECONDS=S       make fuzz: seconds per fuzzer (default 180)'
	@echo 'Logs: out/logs/latest/ (summary.txt, results.json, one folder per boot).'

deps:
	@$(TB)/deps.sh

tree: deps
	@$(TB)/tree.sh

kernel: tree
	@$(TB)/build-kernel.sh

guest: kernel
	@$(TB)/build-guest.sh

build: guest

# The runner replaces the recipe's shell (exec), so that make's SIGTERM
# reaches it; it watches make for SIGINT itself (see vmtest.py).
check: build
	@exec $(TB)/check.sh

# The sanitizer kernel builds from the same out/linux into its own folders.
check-debug: tree
	@exec $(TB)/check-debug.sh $(T)

test: build
	@exec python3 $(TB)/vmtest.py run $(TESTS)

bench: build
	@exec python3 $(TB)/vmtest.py run --figures '*bench*'

demo: build
	@$(TB)/demo/demo.sh

list:
	@exec python3 $(TB)/vmtest.py list $(TESTS)

vm: build
	@exec python3 $(TB)/vmtest.py vm --boot $(call q,$(BOOT)) --cmd $(call q,$(value CMD))

docs: tree
	@$(TB)/docs.sh
# Userspace only: the fuzzers build the kernel sources against shims.
fuzz: deps
	@mkdir -p out/fuzz
	@$(MAKE) -s -C tools/testing/physr fuzz CORPUS_DIR=$(CURDIR)/out/fuzz \
		FUZZ_SECONDS=$(FUZZ_SECONDS)

export-patches:
	@$(TB)/export-patches.sh

clean:
	rm -rf out
