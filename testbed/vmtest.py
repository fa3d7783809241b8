#!/usr/bin/env python3
"""Run the test plan in QEMU and sum up the results.

  vmtest.py run [PATTERN...]   run the plan (or the tests that one of the
                               PATTERNs selects, see below), print one line
                               per test as it finishes and end with
                               "N passed, N failed"
  vmtest.py run --figures PATTERN...
                               the same, and print the figures the tests
                               print (TAP comments: how benchmarks report)
  vmtest.py vm [--boot NAME] [--cmd 'COMMAND']
                               boot the guest with a shell on this terminal
                               (with NAME's append= and qemu=), or run
                               COMMAND in it and power off
  vmtest.py list [PATTERN...]  print the test ids of the plan (or of the
                               selection, with the boots that would run)
  vmtest.py check-plan         read the plan and report every mistake in it

A test id is KIND:NAME as written in testbed/plan. A PATTERN is a glob
over the ids ('kunit:*', 'kselftest:iommu/*', '*kexec*'), optionally
  - prefixed by a boot glob and a slash, for a test that runs in several
    boots: 'physr_dma_swiotlb/kunit:physr_dma';
  - followed by ':CASE', one case of a KUnit suite (kunit.filter_glob
    SUITE.CASE) or of a kselftest_harness test (-r CASE when CASE has a
    dot, e.g. global.open_close, else -t CASE):
    'kselftest:liveupdate/liveupdate_uapi:global.open_close'.
For a boot whose selected KUnit tests are a single suite the runner sets
kunit.filter_glob to it, so the other built-in suites do not run.

Every run gets a fresh folder out/logs/<run>/ (out/logs/latest points at
the last one; the last $LOGS_KEEP runs, default 20, are kept) with
summary.txt, results.json and per boot: console.log (ttyS0, the kernel
console), results.log (ttyS1, what the tests printed), qemu.cmd, qemu.log
and one file per test and stage.

Boots run two at a time on a host with two or more CPUs ($TB_JOBS sets
how many; each boot has its own folder, initramfs and ivshmem file), in
plan order; result lines carry their boot's name and arrive as each
boot's tests finish. `run --figures` (make bench) runs one boot at a
time, so that a benchmark's figures are not another boot's load.

The plan is read strictly: an unknown key, a bad value or a word that is
not KEY=VALUE stops the run with the plan's file and line ($TESTBED_PLAN
names another plan file, for trying one out).

Time limits: a boot's timeout= bounds the whole boot (host side); a test
line's timeout= (default: the boot's; $TEST_TIMEOUT overrides it for a
run) bounds each stage of that test inside the guest, which then goes on
with the next test. Either way the result names the test (and the last
KUnit or kselftest_harness case) that was running and shows the last
console lines. A stuck guest is stopped sooner: a kexec between stages
that does not reach the next stage's init within KEXEC_BOUND s, or a test
still running GUEST_MARGIN s past its own timeout (both times
$TB_TIMEOUT_SCALE, like every timeout of the plan).
Before QEMU is killed for any of these, its monitor (a unix socket the
runner adds; qemu.cmd is the command without it) is asked where each vCPU
is: the RIPs are named from System.map and printed under the failure and
in the boot's vcpus.txt.

Host-side checks: a test that made a device write into ivshmem's BAR (or
into memory it reaches) can have the host check the bytes in the BAR's
backing file. It prints, on its results stream,

  # host-check ivshmem OFFSET LENGTH SHA256 NAME

and once the boot has ended the runner hashes LENGTH bytes at OFFSET of
that boot's ivshmem.bin and counts one result "host-check NAME" for the
test. The file is read after the whole boot (all stages), so a test must
not overwrite a region it asked to have checked; such a test's result
line is printed when the boot ends.

Exit status: 0 when nothing failed, 1 when something failed, 2 for a bad
plan or selection, 128+N when signal N interrupted the run (QEMU is
killed, the partial summary is printed and written).
"""

import bisect
import ctypes
import difflib
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("OUT", os.path.join(TOP, "out"))
# Another kernel configuration has its own object tree and guest root
# (testbed/lib.sh, README.md "Another kernel configuration").
GUEST = os.environ.get("TESTBED_GUEST") or os.path.join(OUT, "guest")
ROOTFS_CPIO = os.path.join(GUEST, "rootfs.cpio")
KBUILD = os.environ.get("TESTBED_KBUILD") or os.path.join(OUT, "build")
BZIMAGE = os.path.join(KBUILD, "arch", "x86", "boot", "bzImage")
PLAN = os.environ.get("TESTBED_PLAN") or os.path.join(TOP, "testbed", "plan")
LOGS = os.path.join(OUT, "logs")
LOGS_KEEP = int(os.environ.get("LOGS_KEEP") or 20)

IVSHMEM_SIZE = 16 << 20
# no_timer_check: under TCG on a loaded host the IO-APIC timer check can
# miss its window and panic a boot that would have worked.
BASE_APPEND = ("console=ttyS0,115200 panic=-1 oops=panic loglevel=5 printk.time=1 "
               "no_timer_check")
# KUnit reports at KERN_INFO: a boot that runs suites shows them on the
# console, so that a hang says which suite and case it was in.
KUNIT_LOGLEVEL = "loglevel=7"

# Console lines that mean the kernel itself went wrong during a boot.
CRASH_RE = re.compile(
    r"Kernel panic|BUG: |Oops: |general protection fault|kernel BUG at|"
    r"WARNING: CPU: |UBSAN: |KASAN: |RCU detected stall|"
    r"INFO: task .* blocked for more than|watchdog: BUG: soft lockup|"
    # lockdep and kmemleak (the sanitizer kernel of make check-debug)
    r"WARNING: possible |WARNING: inconsistent lock|WARNING: suspicious RCU|"
    r"WARNING: bad unlock|WARNING: held lock|WARNING: lock held|"
    r"unreferenced object 0x|"
    # dma-debug (CONFIG_DMA_API_DEBUG, the sanitizer kernel) reports misuse
    # with a WARNING (above); when its entry pool or its cache line
    # tracking runs out of memory it only logs that and switches off
    r"DMA-API: debugging out of memory|DMA-API: cacheline tracking ENOMEM")

# Slower kernels (the sanitizer one of make check-debug) get more time:
# every timeout of the plan is multiplied by $TB_TIMEOUT_SCALE.
TIMEOUT_SCALE = float(os.environ.get("TB_TIMEOUT_SCALE") or 1)

# Hangs are found before the boot's timeout: a kexec between stages that
# does not reach the next stage's init within KEXEC_BOUND s (a round trip
# takes ~5 s, ~60 s on the sanitizer kernel), or a test still running
# GUEST_MARGIN s past its own timeout (by then the guest should have killed
# it: the guest itself is stuck). Both are scaled by $TB_TIMEOUT_SCALE.
KEXEC_BOUND = 180
GUEST_MARGIN = 60
# Before QEMU is killed for a hang, the runner asks its monitor where each
# vCPU is, HANG_SAMPLES times HANG_INTERVAL s apart.
HANG_SAMPLES = 5
HANG_INTERVAL = 1.0

KINDS = ("kunit", "kselftest", "testbed")
BOOT_KEYS = ("timeout", "append", "qemu")
TEST_KEYS = ("stages", "timeout")
NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")


def say(msg):
    print("[vmtest] " + msg, flush=True)


# ------------------------------------------------------------------ plan

class PlanError(Exception):
    pass


class Test:
    def __init__(self, kind, name, stages, timeout, where):
        self.kind, self.name, self.stages = kind, name, stages
        self.timeout = timeout  # None: the boot's
        self.where = where
        self.id = "%s:%s" % (kind, name)
        self.case = None  # one KUnit / kselftest_harness case, if selected

    def run_stages(self):
        return 1 if self.kind == "kunit" else self.stages


class Boot:
    def __init__(self, name, timeout, append, qemu, where):
        self.name, self.timeout, self.append, self.qemu = name, timeout, append, qemu
        self.where = where
        self.tests = []

    def test_timeout(self, t):
        if os.environ.get("TEST_TIMEOUT"):
            return int(os.environ["TEST_TIMEOUT"])
        return t.timeout or self.timeout

    def guest_plan(self):
        """This boot's part of the plan as the guest's init reads it:
        KIND NAME STAGES TIMEOUT [ARGS...] (see testbed/guest/init)."""
        lines = ["boot %s" % self.name]
        for t in self.tests:
            args = ""
            if t.case and t.kind == "kselftest":
                args = (" -r %s" if "." in t.case else " -t %s") % t.case
            lines.append("\t%s %s %d %d%s" % (t.kind, t.name, t.stages,
                                               self.test_timeout(t), args))
        return "\n".join(lines) + "\n"


def _int_value(key, value, where, minimum=1):
    if not re.match(r"^[0-9]+$", value) or int(value) < minimum:
        raise PlanError("%s: %s=%s: not a whole number >= %d" % (where, key, value, minimum))
    return int(value)


def _options(words, allowed, what, where):
    opts = {}
    for w in words:
        if "=" not in w:
            raise PlanError("%s: '%s' is not KEY=VALUE (the keys of a %s line: %s)"
                            % (where, w, what, ", ".join(allowed)))
        key, value = w.split("=", 1)
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, 1)
            hint = "; did you mean '%s'?" % near[0] if near else ""
            if not near and what == "boot":
                hint = "; is append= missing before '%s'?" % w
            raise PlanError("%s: unknown key '%s' on a %s line%s (allowed: %s)"
                            % (where, key, what, hint, ", ".join(allowed)))
        if key in opts:
            raise PlanError("%s: %s= given twice" % (where, key))
        opts[key] = value
    return opts


def read_plan(path=None):
    """The boots of the plan; PlanError (all mistakes, one per line) if the
    plan is not exactly what testbed/plan documents."""
    path = path or PLAN
    shown = os.path.relpath(path, TOP) if path.startswith(TOP + os.sep) else path
    boots, errors, seen = [], [], {}
    try:
        with open(path) as f:
            text = f.read().splitlines()
    except OSError as e:
        raise PlanError("%s: %s" % (shown, e.strerror))
    for lineno, raw in enumerate(text, 1):
        where = "%s:%d" % (shown, lineno)
        try:
            try:
                words = shlex.split(raw, comments=True)
            except ValueError as e:
                if raw.split()[:1] == ["boot"]:
                    # Its test lines belong to it, not to the boot before.
                    boots.append(Boot("?", 300, "", [], where))
                raise PlanError("%s: %s" % (where, e))
            if not words:
                continue
            if words[0] == "boot":
                # The boot exists even if its line is wrong, so that its
                # test lines are checked against it, not against nothing.
                b = Boot(words[1] if len(words) > 1 else "?", 300, "", [], where)
                b.bad = True
                boots.append(b)
                if len(words) < 2 or "=" in words[1]:
                    raise PlanError("%s: a boot line starts with 'boot NAME'" % where)
                if not NAME_RE.match(b.name):
                    raise PlanError("%s: boot name '%s': use letters, digits, _ . + -"
                                    % (where, b.name))
                if b.name in seen:
                    raise PlanError("%s: boot %s is already defined at %s"
                                    % (where, b.name, seen[b.name]))
                seen[b.name] = where
                o = _options(words[2:], BOOT_KEYS, "boot", where)
                b.timeout = int(_int_value("timeout", o.get("timeout", "300"), where)
                                * TIMEOUT_SCALE)
                try:
                    b.qemu = shlex.split(o.get("qemu", ""))
                except ValueError as e:
                    raise PlanError("%s: qemu=: %s" % (where, e))
                b.append = o.get("append", "")
                b.bad = False
                continue
            if words[0] not in KINDS:
                near = difflib.get_close_matches(words[0], ("boot",) + KINDS, 1)
                raise PlanError("%s: '%s' is not boot, %s%s" % (
                    where, words[0], ", ".join(KINDS),
                    "; did you mean '%s'?" % near[0] if near else ""))
            if not boots:
                raise PlanError("%s: a test line before the first boot line" % where)
            if len(words) < 2 or "=" in words[1]:
                raise PlanError("%s: a test line is 'KIND NAME [KEY=VALUE...]'" % where)
            kind, name = words[0], words[1]
            o = _options(words[2:], TEST_KEYS, "test", where)
            stages = _int_value("stages", o.get("stages", "1"), where)
            timeout = (int(_int_value("timeout", o["timeout"], where) * TIMEOUT_SCALE)
                       if "timeout" in o else None)
            if kind == "kunit" and stages != 1:
                raise PlanError("%s: kunit suites run at boot, stage 1 only (stages=%d)"
                                % (where, stages))
            if kind == "kselftest" and not re.match(r"^[^/]+/[^/]+$", name):
                raise PlanError("%s: a kselftest is named DIR/BINARY, not '%s'" % (where, name))
            if kind == "testbed":
                if "/" in name:
                    raise PlanError("%s: a testbed test is named BINARY, not '%s'"
                                    % (where, name))
                base = os.path.join(TOP, "testbed", "tests", name)
                if not os.path.exists(base + ".c") and not os.path.exists(base + ".sh"):
                    raise PlanError("%s: testbed/tests/%s.c does not exist (nor %s.sh)"
                                    % (where, name, name))
            if kind in ("kunit", "testbed") and not NAME_RE.match(name):
                raise PlanError("%s: test name '%s'" % (where, name))
            b = boots[-1]
            tid = "%s:%s" % (kind, name)
            if any(t.id == tid for t in b.tests):
                raise PlanError("%s: %s is already in boot %s" % (where, tid, b.name))
            b.tests.append(Test(kind, name, stages, timeout, where))
        except PlanError as e:
            errors.append(str(e))
            if boots:
                boots[-1].bad = True
    for b in boots:
        if not b.tests and not getattr(b, "bad", False):
            errors.append("%s: boot %s has no tests" % (b.where, b.name))
    if errors:
        raise PlanError("\n".join(errors))
    return boots


def _split_case(p, whole):
    kind, colon, rest = p.partition(":")
    if colon and ":" in rest:
        rest, _, case = rest.partition(":")
        if not case:
            raise PlanError("pattern '%s': empty case after the last ':'" % whole)
        return kind + colon + rest, case
    return p, None


def split_pattern(p):
    """The readings of a selection pattern: [(boot glob or None, id glob,
    case or None)]. 'kselftest:iommu/*' is an id glob; 'p2p/*' and
    'physr_dma_swiotlb/kunit:physr_dma' also read as BOOT/ID (the part
    before the first slash has no colon)."""
    readings = [(None,) + _split_case(p, p)]
    head, slash, rest = p.partition("/")
    if slash and ":" not in head:
        readings.append((head,) + _split_case(rest, p))
    return readings


def select(boots, patterns):
    if not patterns:
        return boots
    parsed = [r for p in patterns for r in split_pattern(p)]
    chosen = []
    for b in boots:
        tests = []
        for t in b.tests:
            cases = set()
            for bglob, iglob, case in parsed:
                if (bglob is None or fnmatch.fnmatchcase(b.name, bglob)) and \
                        fnmatch.fnmatchcase(t.id, iglob):
                    cases.add(case)
            if not cases:
                continue
            if len(cases) > 1 and None not in cases:
                raise PlanError("%s/%s: one case at a time, not %s"
                                % (b.name, t.id, ", ".join(sorted(cases))))
            t.case = None if None in cases else cases.pop()
            if t.case and t.kind == "testbed":
                raise PlanError("%s: a testbed test has no cases to select (%s)"
                                % (t.id, t.case))
            tests.append(t)
        if [t for t in tests if t.kind == "kunit" and t.case] and \
                len([t for t in tests if t.kind == "kunit"]) > 1:
            raise PlanError("boot %s: a KUnit case can only be selected with its "
                            "suite alone in the boot" % b.name)
        if tests:
            b.tests = tests
            chosen.append(b)
    if not chosen:
        raise PlanError("no test in %s matches %s (see: make list)"
                        % (os.path.relpath(PLAN, TOP), " ".join(patterns)))
    return chosen


def kunit_filter(boot, selected):
    """kunit.filter_glob for a boot, or None to keep the boot's own."""
    if not selected:
        return None
    suites = [t for t in boot.tests if t.kind == "kunit"]
    if len(suites) != 1:
        return None
    t = suites[0]
    return t.name + ("." + t.case if t.case else "")


def boot_append(boot, selected, stage_one=True):
    append = boot.append
    if not any(t.kind == "kunit" for t in boot.tests):
        append += " kunit.enable=0"
        base = BASE_APPEND
    else:
        base = BASE_APPEND.replace("loglevel=5", KUNIT_LOGLEVEL)
        glob = kunit_filter(boot, selected)
        if glob:
            append = re.sub(r"(^|\s)kunit\.filter_glob=\S*", " ", append)
            append += " kunit.filter_glob=" + glob
    return " ".join(("%s testbed.boot=%s testbed.stage=1 %s" %
                     (base, boot.name, append)).split())


# --------------------------------------------------------------- guest

def cpio_newc(files):
    """An uncompressed newc archive of {path: bytes} (and their folders)."""
    out = bytearray()
    dirs = sorted({os.path.dirname(p) for p in files if os.path.dirname(p)})
    now = int(time.time())

    def add(ino, name, mode, data):
        fields = (ino, mode, 0, 0, 1, now, len(data), 0, 0, 0, 0, len(name) + 1, 0)
        out.extend(b"070701" + "".join("%08X" % v for v in fields).encode())
        out.extend(name.encode() + b"\0")
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))
    ino = 1
    for d in dirs:
        add(ino, d, 0o40755, b"")
        ino += 1
    for p, data in sorted(files.items()):
        add(ino, p, 0o100644, data)
        ino += 1
    add(0, "TRAILER!!!", 0, b"")
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def make_initrd(dest, files):
    """The guest root (built by build-guest.sh) plus @files, as one
    initramfs: the kernel unpacks concatenated archives in order."""
    if not os.path.exists(ROOTFS_CPIO) or not os.path.exists(BZIMAGE):
        raise PlanError("no guest root in %s: run make build first" % ROOTFS_CPIO)
    shutil.copyfile(ROOTFS_CPIO, dest)
    with open(dest, "ab") as f:
        f.write(cpio_newc(files))


def qemu_cmd(initrd, append, ivshmem, serial0, serial1, extra=()):
    return [
        "qemu-system-x86_64", "-accel", "tcg", "-M", "q35,kernel-irqchip=split",
        "-cpu", "max", "-smp", "2", "-m", "2G",
        "-device", "intel-iommu,intremap=on",
        "-device", "edu",
        "-object", "memory-backend-file,id=ivshmem,share=on,mem-path=%s,size=%d"
        % (ivshmem, IVSHMEM_SIZE),
        "-device", "ivshmem-plain,memdev=ivshmem",
        "-kernel", BZIMAGE, "-initrd", initrd, "-append", append,
        "-display", "none", "-no-reboot", "-nodefaults",
    ] + serial0 + serial1 + list(extra)


def _die_with_parent():
    # QEMU goes when the runner goes, even on SIGKILL.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- results

TAP_RE = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$")
BEGIN_RE = re.compile(r"^# testbed: begin (\S+) stage (\d+)(?: t=([0-9.]+))?$")
END_RE = re.compile(r"^# testbed: end (\S+) stage (\d+) rc=(\d+)(?: t=([0-9.]+))?$")
TIMEOUT_RE = re.compile(r"^# testbed: timeout (\S+) stage (\d+) after (\d+) s$")
KEXEC_RE = re.compile(r"^# testbed: kexec to stage (\d+)$")
KEXEC_FAILED_RE = re.compile(r"^# testbed: kexec to stage (\d+) failed")
BOOTED_RE = re.compile(r"^# testbed: boot (\S+) stage (\d+)\b")
HOST_CHECK_RE = re.compile(r"^# host-check ivshmem (\d+) (\d+) ([0-9a-f]{64}) (\S+)$")
HARNESS_RUN_RE = re.compile(r"^#\s+RUN\s+(\S+)")
HARNESS_DONE_RE = re.compile(r"^#\s+(OK|FAIL|SKIP)\s+(\S+)")
FRAMING_RE = re.compile(r"^(KTAP version|TAP version|1\.\.\d|#\s+(RUN|OK|FAIL|SKIP)\s|"
                        r"# (Subtest|module|Totals|PASSED|FAILED|Starting \d)|"
                        r"# \S+: pass:\d+ fail:\d+)")
KLOG_RE = re.compile(r"^\s*(<\d>)?\[\s*\d+\.\d+\]")


def count_tap(lines, indent):
    """Results at exactly @indent spaces: (passed, failed, skipped, plan,
    [(failed case, [reason lines])])."""
    p = f = s = 0
    failures = []
    plan = None
    since = []  # diagnostics since the previous result at this level
    for line in lines:
        ind = len(line) - len(line.lstrip(" "))
        if ind < indent:
            since = []
            continue
        body = line[indent:]
        m = TAP_RE.match(body) if ind == indent else None
        if ind == indent and plan is None:
            pm = re.match(r"^1\.\.(\d+)", body)
            if pm:
                plan = int(pm.group(1))
                continue
        if not m:
            if line.strip() and not FRAMING_RE.match(line.strip()) and \
                    not HOST_CHECK_RE.match(line.strip()):
                since.append(line.strip())
            continue
        directive = m.group(3).split("#", 1)[1].strip().upper() if "#" in m.group(3) else ""
        if directive.startswith("SKIP"):
            s += 1
        elif m.group(1) == "ok":
            p += 1
        else:
            f += 1
            failures.append((m.group(3).split("#", 1)[0].strip(),
                             [repo_paths(x) for x in since[-8:]]))
        since = []
    return p, f, s, plan, failures


def running_case(lines):
    """The kselftest_harness case that started and did not finish, or the
    last line printed."""
    started = None
    for line in lines:
        m = HARNESS_RUN_RE.match(line)
        if m:
            started = m.group(1)
        elif HARNESS_DONE_RE.match(line):
            started = None
    if started:
        return "case %s" % started
    tail = [line for line in lines if line.strip() and
            line.strip() not in ("Terminated", "Killed")]
    return ("last output: %s" % tail[-1].strip()[:120]) if tail else "no output yet"


def kunit_progress(console):
    """Where KUnit was, from the console: (suite, what is known of its case)."""
    suite = where = None
    for line in console:
        m = re.search(r"# Subtest: (\S+)", line)
        if m:
            suite, where = m.group(1), "in its first case"
            continue
        if not suite:
            continue
        m = re.search(r"\]\s{4,}(?:not )?ok \d+ (\S+)", line)
        if m:
            where = "after case %s" % m.group(1)
            continue
        m = re.search(r"\]\s{4,}# (\w+): ", line)
        if m and m.group(1) not in ("module", "Totals"):
            where = "in case %s (its last message)" % m.group(1)
    return suite, where


def kunit_duration(console, suite):
    """How long a suite ran at boot, from the console's timestamps."""
    start = None
    for line in console:
        m = re.match(r"^\[\s*(\d+\.\d+)\]\s+(?:# Subtest: (\S+)$|(?:not )?ok \d+ (\S+))", line)
        if not m:
            continue
        if m.group(2) == suite:
            start = float(m.group(1))
        elif m.group(3) == suite and start is not None and line.split("]", 1)[1][1:2] != " ":
            return float(m.group(1)) - start
    return None


def host_checks(lines, logdir):
    """Check the ivshmem bytes a test asked about: (passed, failed, names)."""
    p = f = 0
    failures = []
    path = os.path.join(logdir, "ivshmem.bin")
    for line in lines:
        m = HOST_CHECK_RE.match(line.rstrip())
        if not m:
            continue
        off, length = int(m.group(1)), int(m.group(2))
        name = "host-check " + m.group(4)
        ok = False
        if length and off + length <= IVSHMEM_SIZE and os.path.exists(path):
            with open(path, "rb") as fh:
                fh.seek(off)
                ok = hashlib.sha256(fh.read(length)).hexdigest() == m.group(3)
        if ok:
            p += 1
        else:
            f += 1
            failures.append((name, ["the bytes at %s+%s of ivshmem.bin do not hash to %s"
                                    % (m.group(1), m.group(2), m.group(3)[:16] + "...")]))
    return p, f, failures


KSRC_RE = re.compile(r"(?:\.\./linux|\S*/out/linux)/([\w./+-]+\.[chS])\b")


def repo_paths(text):
    """../linux/lib/x.c (how the kernel names its sources, built with O=)
    as the repository's lib/x.c when the repository has that file."""
    def name(m):
        rel = m.group(1)
        return rel if os.path.isfile(os.path.join(TOP, rel)) and \
            rel.split("/", 1)[0] != "testbed" else m.group(0)
    return KSRC_RE.sub(name, text)


def figure_lines(lines):
    """What a benchmark printed as its figures: its own TAP comments, not
    the harness's framing, host-check requests or kernel log lines."""
    out = []
    for line in lines:
        if not line.startswith("# "):
            continue
        text = line[2:].rstrip()
        if FRAMING_RE.match(line) or HOST_CHECK_RE.match(line) or KLOG_RE.match(text) \
                or text.startswith("testbed:"):
            continue
        out.append(text)
    return out


class Result:
    """One test stage (or a userspace suite, or a boot-level failure)."""

    def __init__(self, boot, tid, stage, stages, p, f, s, notes, log,
                 failures=(), duration=None):
        self.boot, self.tid, self.stage, self.stages = boot, tid, stage, stages
        self.p, self.f, self.s = p, f, s
        self.notes, self.log, self.failures = notes, log, list(failures)
        self.duration = duration
        self.case = None

    def label(self):
        name = "%s/%s" % (self.boot, self.tid) if self.boot else self.tid
        if self.case:
            name += ":" + self.case
        if self.stages > 1:
            name += " [stage %d/%d]" % (self.stage, self.stages)
        return name

    def line(self):
        return "%-4s %s: %d passed, %d failed, %d skipped%s" % (
            "FAIL" if self.f else "ok", self.label(), self.p, self.f, self.s,
            (" (%s)" % "; ".join(self.notes)) if self.notes else "")

    def details(self):
        out = []
        for case, reason in self.failures[:5]:
            out.append("%s:" % case)
            out.extend("  " + r for r in reason)
        return out

    def record(self):
        return {"boot": self.boot, "id": self.tid, "case": self.case, "stage": self.stage,
                "stages": self.stages,
                "status": "fail" if self.f else ("pass" if self.p else "skip"),
                "passed": self.p, "failed": self.f, "skipped": self.s,
                "duration_s": None if self.duration is None else round(self.duration, 3),
                "reason": "; ".join(self.notes),
                "failures": [{"case": c, "details": r} for c, r in self.failures],
                "log": self.log}


class Reporter:
    def __init__(self, figures=False):
        self.results = []
        self.summary = []
        self.figures = figures
        self.boots = []
        # Boots of a parallel run report from their own threads.
        self.lock = threading.RLock()

    def add(self, r, figures=()):
        with self.lock:
            self._add(r, figures)

    def _add(self, r, figures):
        self.results.append(r)
        line = r.line()
        print("  " + line, flush=True)
        self.summary.append(line)
        for d in r.details():
            print("      | " + d)
            self.summary.append("    | " + d)
        if self.figures:
            for fl in figures:
                print("    " + fl)
        sys.stdout.flush()

    def totals(self):
        return (sum(r.p for r in self.results), sum(r.f for r in self.results),
                sum(r.s for r in self.results))


class BootRun:
    """Follows one boot's results stream as it is written."""

    def __init__(self, boot, logdir, reporter):
        self.boot, self.logdir, self.rep = boot, logdir, reporter
        self.current, self.body, self.started = None, [], None
        self.runs = {}  # (id, stage) -> (rc, lines, duration, guest_timeout)
        self.guest_timeouts = {}
        self.reported = set()
        self.done = False
        self.closed = False
        self.partial = ""
        self.tests = {t.id: t for t in boot.tests}
        self.kexec = None  # (stage, host time) of a kexec not yet back

    def stuck(self, now):
        """Why the guest looks stuck at host time @now, or None: a kexec
        that did not come back, or a test past its timeout and a margin."""
        if self.kexec and now - self.kexec[1] > KEXEC_BOUND * TIMEOUT_SCALE:
            return "kexec to stage %d did not come back within %d s" % (
                self.kexec[0], KEXEC_BOUND * TIMEOUT_SCALE)
        if self.current and self.started:
            t = self.tests.get(self.current[0])
            limit = self.boot.test_timeout(t) if t else self.boot.timeout
            if now - self.started[1] > limit + GUEST_MARGIN * TIMEOUT_SCALE:
                return ("%s stage %d still running %d s after its start, past its "
                        "timeout of %d s: the guest did not stop it"
                        % (self.current[0], self.current[1], now - self.started[1], limit))
        return None

    def feed(self, data, final=False):
        self.partial += data
        lines = self.partial.split("\n")
        self.partial = "" if final else lines.pop()
        for line in lines:
            self.line(line.rstrip("\r"))

    def line(self, line):
        now = time.time()
        m = KEXEC_RE.match(line)
        if m:
            self.kexec = (int(m.group(1)), now)
            return
        if KEXEC_FAILED_RE.match(line) or BOOTED_RE.match(line):
            self.kexec = None
        m = BEGIN_RE.match(line)
        if m:
            self.current, self.body = (m.group(1), int(m.group(2))), []
            self.started = (float(m.group(3)) if m.group(3) else None, now)
            return
        m = TIMEOUT_RE.match(line)
        if m:
            self.guest_timeouts[(m.group(1), int(m.group(2)))] = int(m.group(3))
            return
        m = END_RE.match(line)
        if m and self.current == (m.group(1), int(m.group(2))):
            dur = None
            if self.started:
                if m.group(4) and self.started[0] is not None:
                    dur = float(m.group(4)) - self.started[0]
                else:
                    dur = now - self.started[1]
            self.runs[self.current] = (int(m.group(3)), self.body, dur)
            key = self.current
            self.current = None
            self.finish(key)
            return
        if line == "# testbed: done":
            self.done = True
        if self.current:
            self.body.append(line)

    def fname(self, tid, stage):
        return "%s.stage%d.log" % (tid.replace("/", "_").replace(":", "_"), stage)

    def finish(self, key, at_end=False):
        """Report one test stage once its end marker arrived (or at the end
        of the boot for a test whose host checks need the whole boot)."""
        tid, stage = key
        t = self.tests.get(tid)
        if t is None or key in self.reported:
            return
        rc, lines, dur = self.runs[key]
        fname = self.fname(tid, stage)
        with open(os.path.join(self.logdir, fname), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        wants_host = any(HOST_CHECK_RE.match(l.rstrip()) for l in lines)
        if wants_host and not at_end:
            return
        p, f, s, plan, failures = count_tap(lines, 4 if t.kind == "kunit" else 0)
        notes = []
        if wants_host:
            hp, hf, hfail = host_checks(lines, self.logdir)
            p, f, failures = p + hp, f + hf, failures + hfail
        if failures:
            notes.append("failed: " + ", ".join(c for c, _ in failures[:5]) +
                         (" ..." if len(failures) > 5 else ""))
        if key in self.guest_timeouts:
            f += 1
            notes.append("timed out in the guest after %d s, running %s"
                         % (self.guest_timeouts[key], running_case(lines)))
            failures.append(("timeout", [l.strip() for l in lines if l.strip()][-10:]))
        elif t.kind == "kunit" and rc != 0:
            f += 1
            notes.append("suite not in this kernel")
        elif t.kind != "kunit" and rc == 4 and p + f == 0:
            s += max(1, s == 0)
            notes.append("skipped as a whole (exit 4)")
        elif rc != 0 and f == 0:
            f += 1
            notes.append("exit status %d" % rc)
        if t.kind != "kunit" and plan is not None and p + f + s < plan:
            missing = plan - (p + f + s)
            f += missing
            notes.append("%d of %d planned results missing" % (missing, plan))
        if p + f + s == 0:
            f += 1
            notes.append("reported no result")
        self.reported.add(key)
        if t.kind == "kunit":
            # The suite ran at boot; reading its results took no time.
            dur = kunit_duration(read_lines(os.path.join(self.logdir, "console.log")),
                                 t.name) or dur
        figs = figure_lines(lines) if t.kind != "kunit" else []
        r = Result(self.boot.name, tid, stage, t.run_stages(), p, f, s, notes,
                   os.path.join(self.logdir, fname), failures, dur)
        r.case = t.case
        self.rep.add(r, figs)

    def close(self, why):
        """The boot is over: report what is left; @why says why a test
        that never ended did not (timeout, guest stopped, ...)."""
        if self.closed:
            return
        self.closed = True
        self.feed("", final=True)
        for key in list(self.runs):
            self.finish(key, at_end=True)
        for t in self.boot.tests:
            for stage in range(1, t.run_stages() + 1):
                key = (t.id, stage)
                if key in self.reported:
                    continue
                fname = self.fname(t.id, stage)
                partial = self.body if self.current == key else []
                with open(os.path.join(self.logdir, fname), "w") as fh:
                    fh.write("\n".join(partial) + "\n")
                note = "did not finish (%s)" % why
                if self.current == key:
                    note = "did not finish (%s, running %s)" % (why, running_case(partial))
                self.reported.add(key)
                r = Result(self.boot.name, t.id, stage, t.run_stages(), 0, 1, 0,
                           [note], os.path.join(self.logdir, fname))
                r.case = t.case
                self.rep.add(r)


def read_lines(path):
    try:
        with open(path, errors="replace") as fh:
            return fh.read().splitlines()
    except FileNotFoundError:
        return []


def tail_lines(lines, n=12):
    return [l.rstrip() for l in lines if l.strip()][-n:]


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    raise Interrupted(signum)


def watch_make():
    """`kill -INT <make>` makes GNU make wait for its children, which get
    no signal: the runner watches the make that started it and stops as
    if it had the signal itself (make blocks it while it waits in its
    handler). If make is gone, the runner stops too."""
    if not os.environ.get("MAKELEVEL"):
        return
    pid = os.getppid()
    for _ in range(3):
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() in ("make", "gmake"):
                    break
            with open("/proc/%d/stat" % pid) as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
    else:
        return
    mask = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)) | \
        (1 << (signal.SIGHUP - 1))

    def loop():
        hits = 0
        while True:
            time.sleep(0.25)
            try:
                with open("/proc/%d/status" % pid) as f:
                    st = dict(l.split(":", 1) for l in f if ":" in l)
                blocked = int(st["SigBlk"].strip(), 16)
            except (OSError, KeyError, ValueError):
                os.kill(os.getpid(), signal.SIGHUP)
                return
            hits = hits + 1 if blocked & mask else 0
            if hits >= 2:
                sig = signal.SIGINT if blocked & (1 << (signal.SIGINT - 1)) else signal.SIGTERM
                os.kill(os.getpid(), sig)
                return
    threading.Thread(target=loop, daemon=True).start()


# Set when a signal stops the run: the boots still running are stopped and
# no other boot starts.
STOP = threading.Event()


def jobs_wanted(figures):
    """How many boots run at once: $TB_JOBS, else one per host CPU up to 2
    (every guest has 2 vCPUs; guests mostly use one, and a kexec or a boot
    leaves the CPU idle). Benchmarks (--figures) run one at a time, so that
    their figures are not another boot's load."""
    if figures:
        return 1
    v = os.environ.get("TB_JOBS")
    if v:
        if not v.isdigit() or int(v) < 1:
            raise PlanError("TB_JOBS=%s: a number of boots, 1 or more" % v)
        return int(v)
    return max(1, min(2, os.cpu_count() or 1))


def run_boots(boots, rundir, selected, rep, jobs, states):
    """Runs @boots in plan order, up to @jobs at a time, each in a worker
    thread with its own entry of @states (its QEMU and its BootRun, for
    an interruption). Returns the boots that never started."""
    pending = list(boots)
    lock = threading.Lock()

    def worker(state):
        while not STOP.is_set():
            with lock:
                if not pending:
                    return
                boot = pending.pop(0)
            state["boot"] = boot
            try:
                run_boot(boot, rundir, selected, rep, state)
            except Exception as e:  # a runner bug must fail the run, loudly
                proc = state.get("proc")
                if proc and proc.poll() is None:
                    proc.kill()
                    proc.wait()
                state["proc"] = None
                boot_failure(rep, boot, "runner error: %s: %s" % (type(e).__name__, e),
                             traceback.format_exc().splitlines()[-8:])
            if not STOP.is_set():
                state["boot"] = state["run"] = None

    threads = []
    for _ in range(min(jobs, len(boots))):
        st = {"proc": None, "run": None, "boot": None}
        states.append(st)
        t = threading.Thread(target=worker, args=(st,), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        while t.is_alive():
            t.join(0.5)
    with lock:
        return list(pending)


def run_boot(boot, rundir, selected, rep, state):
    logdir = os.path.join(rundir, boot.name)
    os.makedirs(logdir)
    ivshmem = os.path.join(logdir, "ivshmem.bin")
    with open(ivshmem, "wb") as f:
        f.truncate(IVSHMEM_SIZE)
    initrd = os.path.join(logdir, "initramfs.cpio")
    make_initrd(initrd, {"testbed/plan": boot.guest_plan().encode()})
    try:
        _run_qemu(boot, logdir, initrd, selected, rep, state)
    finally:
        try:
            os.unlink(initrd)
        except FileNotFoundError:
            pass


def _run_qemu(boot, logdir, initrd, selected, rep, state):
    ivshmem = os.path.join(logdir, "ivshmem.bin")
    append = boot_append(boot, selected)
    console = os.path.join(logdir, "console.log")
    results = os.path.join(logdir, "results.log")
    for p in (console, results):
        open(p, "w").close()
    cmd = qemu_cmd(initrd, append, ivshmem,
                   ["-chardev", "file,id=con,path=%s" % console, "-serial", "chardev:con"],
                   ["-chardev", "file,id=res,path=%s" % results, "-serial", "chardev:res"],
                   boot.qemu)
    with open(os.path.join(logdir, "qemu.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        f.write("# the runner also gave QEMU a monitor: -monitor unix:SOCKET,server=on,"
                "wait=off (vCPU samples for a hang report)\n")
    # A short path (unix socket names are short) that no other boot uses.
    mondir = tempfile.mkdtemp(prefix="tbmon.")
    monitor = os.path.join(mondir, "hmp.sock")
    cmd = cmd + ["-monitor", "unix:%s,server=on,wait=off" % monitor]
    try:
        _run_qemu_mon(boot, logdir, cmd, append, selected, rep, state, monitor)
    finally:
        shutil.rmtree(mondir, ignore_errors=True)


def _run_qemu_mon(boot, logdir, cmd, append, selected, rep, state, monitor):
    console = os.path.join(logdir, "console.log")
    results = os.path.join(logdir, "results.log")
    say("boot %s: %d test(s), timeout %d s" % (boot.name, len(boot.tests), boot.timeout))
    run = BootRun(boot, logdir, rep)
    state["run"] = run
    start = time.time()
    qlog = open(os.path.join(logdir, "qemu.log"), "w")
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with_parent)
    except OSError as e:
        qlog.close()
        run.close("QEMU did not start")
        boot_failure(rep, boot, "QEMU failed to start: %s" % e)
        return
    state["proc"] = proc
    timed_out = False
    stuck, vcpus = None, ()
    with open(results, errors="replace") as res:
        while True:
            try:
                rc = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            finally:
                run.feed(res.read())
            if STOP.is_set():
                proc.kill()
                proc.wait()
                state["proc"] = None
                qlog.close()
                return
            now = time.time()
            stuck = run.stuck(now)
            if stuck or now - start > boot.timeout:
                timed_out = True
                # Where the vCPUs are, while QEMU still runs.
                vcpus = vcpu_report(monitor, os.path.join(KBUILD, "System.map"))
                with open(os.path.join(logdir, "vcpus.txt"), "w") as f:
                    f.write("\n".join(vcpus) + "\n")
                # The report; the monitor's dumps after it are for the file.
                vcpus = vcpus[:vcpus.index("")] if "" in vcpus else vcpus
                proc.kill()
                rc = proc.wait()
                break
        run.feed(res.read())
    state["proc"] = None
    qlog.close()
    if STOP.is_set():
        return
    elapsed = time.time() - start
    con = read_lines(console)
    if rc != 0 and not timed_out:
        msg = tail_lines(read_lines(os.path.join(logdir, "qemu.log")), 6)
        run.close("QEMU failed")
        boot_failure(rep, boot, "QEMU failed (exit status %d): %s"
                     % (rc, " / ".join(msg) or "no message, see qemu.cmd"))
    elif timed_out and stuck:
        run.close(stuck)
        boot_failure(rep, boot, "stopped after %d s: %s" % (elapsed, stuck),
                     tail_lines(con), vcpus)
    elif timed_out:
        where = hang_report(run, con)
        run.close("boot timeout after %d s" % boot.timeout)
        boot_failure(rep, boot, "timed out after %d s, %s" % (boot.timeout, where),
                     tail_lines(con), vcpus)
    else:
        crash = [l for l in con if CRASH_RE.search(l)]
        run.close("guest stopped")
        if crash:
            i = con.index(crash[0])
            boot_failure(rep, boot, "kernel trouble on the console: %s" % crash[0].strip(),
                         [l.rstrip() for l in con[i:i + 12]])
        elif not run.done:
            boot_failure(rep, boot, "guest stopped before the plan finished", tail_lines(con))
    rep.boots.append({"boot": boot.name, "duration_s": round(elapsed, 1),
                      "append": append, "qemu_exit": rc, "timed_out": timed_out,
                      "logs": logdir})
    print("  boot %s took %.1f s; logs in %s" % (boot.name, elapsed, logdir), flush=True)


# ------------------------------------------------------------ hang reports

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CPU_RE = re.compile(r"^CPU#(\d+)", re.M)
RIP_RE = re.compile(r"\bRIP=([0-9a-f]{16})")
RSP_RE = re.compile(r"\bRSP=([0-9a-f]{16})")
CPL_RE = re.compile(r"\bCPL=(\d)\b.*\bHLT=(\d)")
FLAGS_RE = re.compile(r"\b[RE]FL=([0-9a-f]+)")
MEM_RE = re.compile(r"^([0-9a-f]{16})-([0-9a-f]{16}) [0-9a-f]+ (\S+)$", re.M)
KIMAGE_LO, KIMAGE_HI = 0xffffffff80000000, 0xffffffffc0000000


class Monitor:
    """A client of QEMU's human monitor (HMP) on a unix socket."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._prompt()

    def _prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("the monitor closed its socket")
            buf += chunk
        return buf[:-len(b"(qemu) ")].decode(errors="replace")

    def cmd(self, command):
        """The output of @command, without the monitor's echo of it."""
        self.sock.sendall(command.encode() + b"\n")
        out = ANSI_RE.sub("", self._prompt()).replace("\r", "")
        return out.split("\n", 1)[1] if "\n" in out else ""

    def close(self):
        self.sock.close()


def parse_registers(text):
    """{vCPU: (rip, rsp, cpl, halted, interrupts on)} from `info registers -a`."""
    cpus = {}
    parts = CPU_RE.split(text)
    for i in range(1, len(parts) - 1, 2):
        rip, rsp, cpl, fl = (RIP_RE.search(parts[i + 1]), RSP_RE.search(parts[i + 1]),
                             CPL_RE.search(parts[i + 1]), FLAGS_RE.search(parts[i + 1]))
        if rip:
            cpus[int(parts[i])] = (int(rip.group(1), 16),
                                   int(rsp.group(1), 16) if rsp else None,
                                   int(cpl.group(1)) if cpl else None,
                                   bool(cpl and cpl.group(2) == "1"),
                                   bool(fl and int(fl.group(1), 16) & 0x200))
    return cpus


def lapic_summary(text):
    """The local APIC's timer and pending/in-service vectors, from
    `info lapic`: a halted vCPU with its timer armed and nothing pending
    waits for a timer that does not fire."""
    lvtt = re.search(r"^LVTT\s+0x[0-9a-f]+\s+(.*)$", text, re.M)
    timer = re.search(r"^Timer\s+.*?(initial_count = \d+ current_count = \d+)", text, re.M)
    irr = re.search(r"^IRR\s+(.*)$", text, re.M)
    isr = re.search(r"^ISR\s+(.*)$", text, re.M)
    if not lvtt:
        return None
    return "LAPIC timer: %s, %s; IRR %s; ISR %s" % (
        " ".join(lvtt.group(1).split()), timer.group(1) if timer else "?",
        irr.group(1).strip() if irr else "?", isr.group(1).strip() if isr else "?")


def kernel_image_start(info_mem):
    """Where the kernel image is mapped, from `info mem` of a kernel page
    table: the lowest mapping in the kernel image area (virtual KASLR moves
    it; the kernel unmaps that area outside _text.._end early in boot)."""
    starts = [int(m.group(1), 16) for m in MEM_RE.finditer(info_mem)
              if KIMAGE_LO <= int(m.group(1), 16) < KIMAGE_HI]
    return min(starts) if starts else None


class Symbols:
    """The text symbols of a System.map, to name addresses of the kernel
    image once the image's runtime offset is known."""

    def __init__(self, path):
        self.addrs, self.names = [], []
        self.text = self.etext = None
        self.data = {}  # the few variables a hang report reads
        for line in read_lines(path):
            w = line.split()
            if len(w) != 3:
                continue
            a = int(w[0], 16)
            if w[2] == "_text":
                self.text = a
            elif w[2] == "_etext":
                self.etext = a
            elif w[2] in ("jiffies_64", "system_state", "prb"):
                self.data[w[2]] = a
            if w[1] in "tTwW":
                self.addrs.append(a)
                self.names.append(w[2])
        order = sorted(range(len(self.addrs)), key=lambda i: self.addrs[i])
        self.addrs = [self.addrs[i] for i in order]
        self.names = [self.names[i] for i in order]

    def in_text(self, addr, offset):
        return self.text is not None and self.etext is not None and \
            self.text <= addr - offset < self.etext

    def name(self, addr, offset):
        """func+0xN for a runtime address, or None outside the text."""
        if not self.in_text(addr, offset):
            return None
        i = bisect.bisect_right(self.addrs, addr - offset) - 1
        if i < 0:
            return None
        return "%s+0x%x" % (self.names[i], addr - offset - self.addrs[i])


def vcpu_report(sock_path, system_map, samples=HANG_SAMPLES, interval=HANG_INTERVAL):
    """Where each vCPU of a stuck guest is: lines for a failure report.
    Samples `info registers -a` a few times, finds the kernel's runtime
    offset with `info mem` and names the RIPs (and the kernel text
    addresses found on each stack) from @system_map, and sums up each
    local APIC (its timer, pending and in-service vectors). After the
    report, an empty line and the monitor's full `info lapic` dumps. It
    only reads: the guest runs on between the samples."""
    try:
        mon = Monitor(sock_path)
    except OSError as e:
        return ["no vCPU samples: the monitor did not answer (%s)" % e]
    try:
        return _vcpu_report(mon, system_map, samples, interval)
    except (OSError, socket.timeout) as e:
        return ["no vCPU samples: the monitor stopped answering (%s)" % e]
    finally:
        mon.close()


SYSTEM_STATES = ("booting: initcalls, init not started yet", "scheduling: initcalls",
                 "freeing init memory", "running: init started", "halt", "power off",
                 "restart", "suspend")


def kernel_offset(mon, syms, cpu, regs):
    """The kernel image's offset as vCPU @cpu's page tables map it, if its
    kernel-mode RIPs (@regs) fall in the text at that offset; else None."""
    if syms.text is None or not any(v[2] == 0 for v in regs):
        return None
    mon.cmd("cpu %d" % cpu)
    start = kernel_image_start(mon.cmd("info mem"))
    if start is None or not any(syms.in_text(v[0], start - syms.text)
                                for v in regs if v[2] == 0):
        return None
    return start - syms.text


def read_word(mon, cpu, addr, fmt="g"):
    """A 64-bit (g) or 32-bit (w) word of guest memory, through @cpu's page
    tables, or None."""
    mon.cmd("cpu %d" % cpu)
    m = re.search(r":\s*0x([0-9a-f]+)", mon.cmd("x /1%sx 0x%x" % (fmt, addr)))
    return int(m.group(1), 16) if m else None


def parse_printk_ring(rb, descs, infos, data):
    """The records of a kernel's printk ring buffer, from its bytes: @rb
    (struct printk_ringbuffer), the desc and info arrays and the text
    data ring.  [(seq, ts_ns, level, text)] in order (6.12's layout)."""
    count_bits = struct.unpack_from("<I", rb, 0)[0]
    size_bits = struct.unpack_from("<I", rb, 48)[0]
    size = 1 << size_bits
    out = []
    for i in range(min(1 << count_bits, len(descs) // 24, len(infos) // 88)):
        sv, begin, nxt = struct.unpack_from("<QQQ", descs, i * 24)
        state, did = sv >> 62, sv & ((1 << 62) - 1)
        seq, ts, text_len, _, flv = struct.unpack_from("<QQHBB", infos, i * 88)
        if state not in (1, 2) or begin & 1 or nxt & 1:  # committed/finalized
            continue
        if begin >> size_bits == nxt >> size_bits and begin < nxt:
            off = begin & (size - 1)
        elif (begin + size) >> size_bits == nxt >> size_bits:
            off = 0
        else:
            continue
        if off + 8 > len(data) or struct.unpack_from("<Q", data, off)[0] != did:
            continue
        text = data[off + 8:off + 8 + text_len].decode(errors="replace")
        out.append((seq, ts, flv >> 5, text))
    return sorted(out)


def read_dmesg(mon, cpu, syms, offset, where):
    """The kernel log of the kernel at @offset, read through @cpu's page
    tables with the monitor's memsave into files under @where: lines as
    dmesg prints them, or [] if the ring buffer could not be read."""
    def grab(addr, size, name):
        path = os.path.join(where, name)
        # (Quoted: unquoted, the size and the path read as a division.)
        mon.cmd('memsave 0x%x %d "%s"' % (addr, size, path))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return b""
        finally:
            if os.path.exists(path):
                os.unlink(path)
    if "prb" not in syms.data:
        return []
    mon.cmd("cpu %d" % cpu)
    ptr = read_word(mon, cpu, syms.data["prb"] + offset)
    if not ptr:
        return []
    rb = grab(ptr, 72, "rb")
    if len(rb) < 72:
        return []
    count_bits, descs, infos = struct.unpack_from("<I4xQQ", rb, 0)
    size_bits, data = struct.unpack_from("<I4xQ", rb, 48)
    if count_bits > 20 or size_bits > 26:
        return []
    recs = parse_printk_ring(rb, grab(descs, 24 << count_bits, "descs"),
                             grab(infos, 88 << count_bits, "infos"),
                             grab(data, 1 << size_bits, "data"))
    return ["<%d>[%5d.%06d] %s" % (lvl, ts // 10**9, ts // 1000 % 10**6, line)
            for _, ts, lvl, text in recs for line in text.splitlines() or [""]]


def _vcpu_report(mon, system_map, samples, interval):
    syms = Symbols(system_map)
    seen = [parse_registers(mon.cmd("info registers -a"))]
    # Whether the kernel's clock moves: jiffies now and after the samples.
    # (A vCPU with interrupts on first: one parked by a kexec is still in
    # the old kernel, with interrupts off.)
    order = sorted(seen[0].items(), key=lambda cv: (not cv[1][4], cv[0]))
    probe = next(((c, o) for c, o in ((c, kernel_offset(mon, syms, c, [v])) for c, v in order)
                  if o is not None), None)
    ticks = []
    if probe and "jiffies_64" in syms.data:
        ticks.append((time.time(), read_word(mon, probe[0],
                                             syms.data["jiffies_64"] + probe[1])))
    for i in range(1, samples):
        time.sleep(interval)
        seen.append(parse_registers(mon.cmd("info registers -a")))
    if not seen[-1]:
        return ["no vCPU samples: `info registers -a` printed no RIP"]
    if ticks:
        ticks.append((time.time(), read_word(mon, probe[0],
                                             syms.data["jiffies_64"] + probe[1])))
    shown = os.path.relpath(system_map, TOP) if system_map.startswith(TOP + os.sep) \
        else system_map
    out, details = [], []
    if probe and "system_state" in syms.data:
        st = read_word(mon, probe[0], syms.data["system_state"] + probe[1], "w")
        if st is not None:
            out.append("kernel at 0x%x (through vCPU%d): system_state %d (%s)" % (
                syms.text + probe[1], probe[0], st,
                SYSTEM_STATES[st] if st < len(SYSTEM_STATES) else "?"))
    if len(ticks) == 2 and None not in (ticks[0][1], ticks[1][1]):
        out.append("  jiffies %d, then %d %.1f s later: %s" % (
            ticks[0][1], ticks[1][1], ticks[1][0] - ticks[0][0],
            "the timer tick is stopped" if ticks[1][1] == ticks[0][1]
            else "+%d, the clock runs" % (ticks[1][1] - ticks[0][1])))
    dmesg = []
    if probe:
        where = tempfile.mkdtemp(prefix="tbmem.")
        try:
            dmesg = read_dmesg(mon, probe[0], syms, probe[1], where)
        finally:
            shutil.rmtree(where, ignore_errors=True)
    if dmesg:
        out.append("  its kernel log (from memory, every level; in vcpus.txt) ends:")
        out.extend("    " + l for l in dmesg[-8:])
    for cpu in sorted(seen[-1]):
        mine = [smp[cpu] for smp in seen if cpu in smp]
        _, rsp, cpl, _, irq_on = mine[-1]
        # Each vCPU through its own page tables: during a kexec one can be
        # in the old kernel and another in the new one, or in neither.
        offset = kernel_offset(mon, syms, cpu, mine) if cpl == 0 else None

        def where(v):
            n = syms.name(v[0], offset) if offset is not None else None
            return n or ("user 0x%x" % v[0] if v[2] == 3 else "0x%x" % v[0])
        places = [where(v) for v in mine]
        distinct = sorted(set(places), key=places.index)
        if all(v[3] for v in mine):
            what = "halted (HLT) in all %d samples: idle, waiting for an interrupt" % len(mine)
        elif len(set(v[0] for v in mine)) == 1:
            what = "%d samples the same: spinning" % len(mine)
        else:
            what = "%d samples, %d places" % (len(mine), len(distinct))
        out.append("vCPU%d: RIP %s (CPL %s, interrupts %s), %s" % (
            cpu, " | ".join(distinct[:4]) + (" ..." if len(distinct) > 4 else ""), cpl,
            "on" if irq_on else "off", what))
        lapic = mon.cmd("info lapic %d" % cpu)
        details.append("vCPU%d: info lapic %d:" % (cpu, cpu))
        details.extend("  " + l for l in lapic.splitlines() if l.strip())
        summary = lapic_summary(lapic)
        if summary:
            out.append("  " + summary)
        if offset is None:
            if cpl == 0:
                out.append("  not in the kernel image of %s (no kernel text mapped through "
                           "its page tables: decompressor, purgatory, firmware?)" % shown)
            continue
        out.append("  kernel text at 0x%x (offset 0x%x against %s)"
                   % (syms.text + offset, offset, shown))
        if rsp:
            words = re.findall(r"0x([0-9a-f]{16})", mon.cmd("x /64gx 0x%x" % rsp))
            calls = [syms.name(int(w, 16), offset) for w in words]
            calls = [c for c in calls if c and not c.endswith("+0x0")][:10]
            if calls:
                out.append("  text addresses on its stack: " + " < ".join(calls))
    return out + [""] + details + (["", "kernel log read from memory:"] + dmesg
                                   if dmesg else [])


def hang_report(run, console):
    if run.current:
        return "running %s stage %d (%s)" % (run.current[0], run.current[1],
                                             running_case(run.body))
    suite, case = kunit_progress(console)
    if not any(l.startswith("# testbed: boot") for l in read_lines(
            os.path.join(run.logdir, "results.log"))):
        if suite:
            return "in the kernel's KUnit run: suite %s, %s" % (suite, case)
        return "before the guest's init started"
    return "between tests"


def boot_failure(rep, boot, note, lines=(), vcpus=()):
    r = Result(None, "boot %s" % boot.name, 1, 1, 0, 1, 0, [], None,
               ([("last console lines", list(lines))] if lines else []) +
               ([("where the vCPUs were", list(vcpus))] if vcpus else []))
    r.line = lambda: "FAIL boot %s: %s" % (boot.name, note)
    r.notes = [note]
    rep.add(r)


def userspace_outcomes(logdir, rep):
    """Results of userspace suites that check.sh ran: each log ends with
    "N passed, N failed" from the suite and "# testbed: rc=N" from check.sh."""
    for fname in sorted(os.listdir(logdir)):
        lines = read_lines(os.path.join(logdir, fname))
        counts = [m for m in (re.match(r"^(\d+) passed, (\d+) failed", l) for l in lines) if m]
        rc = [int(l.split("=", 1)[1]) for l in lines if l.startswith("# testbed: rc=")]
        label = "userspace:" + fname[:-len(".log")]
        log = os.path.join(logdir, fname)
        if not counts:
            rep.add(Result(None, label, 1, 1, 0, 1, 0,
                           ["printed no 'N passed, N failed' line"], log,
                           [("last lines", tail_lines(lines, 8))]))
            continue
        p, f = int(counts[-1].group(1)), int(counts[-1].group(2))
        notes = []
        if rc and rc[-1] != 0 and f == 0:
            f, notes = 1, ["exit status %d" % rc[-1]]
        rep.add(Result(None, label, 1, 1, p, f, 0, notes, log))


def new_rundir():
    os.makedirs(LOGS, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for i in range(1000):
        name = stamp if i == 0 else "%s-%d" % (stamp, i)
        try:
            os.mkdir(os.path.join(LOGS, name))
        except FileExistsError:
            continue
        tmp = os.path.join(LOGS, ".latest.%d" % os.getpid())
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(name, tmp)
        os.replace(tmp, os.path.join(LOGS, "latest"))
        return os.path.join(LOGS, name)
    raise OSError("cannot make a run folder in %s" % LOGS)


def prune_logs(keep):
    runs = sorted(d for d in os.listdir(LOGS) if re.match(r"^\d{8}-\d{6}(-\d+)?$", d))
    try:
        latest = os.readlink(os.path.join(LOGS, "latest"))
    except OSError:
        latest = None
    for d in runs[:max(0, len(runs) - keep)]:
        if d != latest:
            shutil.rmtree(os.path.join(LOGS, d), ignore_errors=True)


def write_results(rundir, rep, base, status):
    p, f, s = rep.totals()
    with open(os.path.join(rundir, "summary.txt"), "w") as fh:
        fh.write("\n".join(["base: " + base] + rep.summary) +
                 "\n%s%d passed, %d failed, %d skipped\n"
                 % ("%s\n" % status if status else "", p, f, s))
    with open(os.path.join(rundir, "results.json.tmp"), "w") as fh:
        json.dump({"base": base, "status": status or "complete",
                   "passed": p, "failed": f, "skipped": s,
                   "boots": rep.boots,
                   "results": [r.record() for r in rep.results]}, fh, indent=1)
    os.replace(os.path.join(rundir, "results.json.tmp"), os.path.join(rundir, "results.json"))


def cmd_run(args):
    ulogs = None
    figures = False
    while args[:1] in (["--userspace-logs"], ["--figures"]):
        if args[0] == "--figures":
            figures, args = True, args[1:]
        else:
            ulogs, args = args[1], args[2:]
    patterns = [a for a in args if a]
    boots = select(read_plan(), patterns)
    jobs = jobs_wanted(figures)
    rundir = new_rundir()
    prune_logs(LOGS_KEEP)
    rep = Reporter(figures)
    try:
        with open(os.path.join(OUT, "base-version")) as fh:
            base = fh.read().strip()
    except FileNotFoundError:
        base = "unknown (run make build)"
    say("base: %s; patches: %s" % (base, os.path.join(TOP, "patches", "series")))
    say("logs in %s" % rundir)
    states = []
    left = []
    status = None
    exit_code = 0
    if jobs > 1 and len(boots) > 1:
        say("%d boots at a time (TB_JOBS)" % jobs)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    watch_make()
    try:
        if ulogs:
            say("userspace suites (logs in %s)" % ulogs)
            userspace_outcomes(ulogs, rep)
        left = run_boots(boots, rundir, bool(patterns), rep, jobs, states)
    except Interrupted as e:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        STOP.set()
        for st in states:
            proc = st.get("proc")
            if proc and proc.poll() is None:
                proc.kill()
        name = signal.Signals(e.signum).name
        print(flush=True)
        say("%s: QEMU stopped; partial results" % name)
        # The workers stop once their QEMU is gone; wait for them, so that
        # nothing reports after the summary below.
        deadline = time.time() + 10
        while any(st.get("proc") for st in states) and time.time() < deadline:
            time.sleep(0.1)
        started = set(r["boot"] for r in rep.boots)
        during = []
        for st in states:
            run, boot = st.get("run"), st.get("boot")
            if boot is None:
                continue
            started.add(boot.name)
            during.append(boot.name)
            if run and run.boot is boot and not run.closed:
                run.close("interrupted by %s" % name)
            elif not run or run.boot is not boot:
                started.discard(boot.name)
        left = [b for b in boots if b.name not in started]
        status = "interrupted by %s%s; %d test(s) in %d boot(s) not run" % (
            name, " during boot %s" % ", ".join(during) if during else "",
            sum(len(b.tests) for b in left), len(left))
        r = Result(None, "run", 1, 1, 0, 1, 0, [status], None)
        r.line = lambda: "FAIL run: %s" % status
        rep.add(r)
        exit_code = 128 + e.signum
    finally:
        STOP.set()
        for st in states:
            proc = st.get("proc")
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait()
    write_results(rundir, rep, base, status)
    p, f, s = rep.totals()
    print("%d skipped" % s)
    print("%d passed, %d failed" % (p, f))
    return exit_code or (1 if f else 0)


def cmd_vm(args):
    boot_name = cmd = None
    while args:
        if args[0] == "--boot" and len(args) > 1:
            boot_name, args = args[1] or None, args[2:]
        elif args[0] == "--cmd" and len(args) > 1:
            cmd, args = args[1] or None, args[2:]
        else:
            raise PlanError("vm: unexpected argument '%s'" % args[0])
    boots = read_plan()
    boot = None
    if boot_name:
        boot = next((b for b in boots if b.name == boot_name), None)
        if not boot:
            raise PlanError("no boot %s in %s (boots: %s)" % (
                boot_name, os.path.relpath(PLAN, TOP), " ".join(b.name for b in boots)))
    rundir = os.path.join(OUT, "vm")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    files = {"testbed/plan": "".join(b.guest_plan() for b in boots).encode()}
    if cmd:
        files["testbed/cmd"] = (cmd + "\n").encode()
    initrd = os.path.join(rundir, "initramfs.cpio")
    make_initrd(initrd, files)
    ivshmem = os.path.join(rundir, "ivshmem.bin")
    with open(ivshmem, "wb") as f:
        f.truncate(IVSHMEM_SIZE)
    append = BASE_APPEND.replace("panic=-1 oops=panic ", "") + " kunit.enable=0"
    if boot:
        append += " testbed.vm=%s %s" % (boot.name, boot.append)
    append = " ".join((append + " " + os.environ.get("APPEND", "")).split())
    ttys1 = os.path.join(rundir, "ttyS1.log")
    qcmd = qemu_cmd(initrd, append, ivshmem,
                    ["-serial", "mon:stdio"],
                    ["-chardev", "file,id=res,path=%s" % ttys1, "-serial", "chardev:res"],
                    boot.qemu if boot else ())
    with open(os.path.join(rundir, "qemu.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in qcmd) + "\n")
    if boot:
        say("boot %s (%s): append=%s qemu=%s" % (boot.name, boot.where, shlex.quote(boot.append),
                                                 shlex.quote(" ".join(boot.qemu))))
    if cmd:
        say("running %s in the guest, then power off" % shlex.quote(cmd))
    else:
        say("shell on the patched kernel; Ctrl-A X quits QEMU; "
            "the ivshmem backing file is %s" % ivshmem)
    rc = subprocess.call(qcmd, preexec_fn=_die_with_parent)
    if rc != 0:
        say("QEMU failed (exit status %d), command in %s" % (rc, os.path.join(rundir, "qemu.cmd")))
        return rc
    if cmd:
        m = [l for l in read_lines(ttys1) if l.startswith("# testbed: cmd rc=")]
        if not m:
            say("the command did not finish (no exit status on ttyS1)")
            return 1
        return int(m[-1].split("=", 1)[1])
    return 0


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("run", "vm", "list", "check-plan"):
        sys.exit(__doc__)
    if args[0] == "list":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if args[0] == "run":
            return cmd_run(args[1:])
        if args[0] == "vm":
            return cmd_vm(args[1:])
        boots = read_plan()
        if args[0] == "check-plan":
            print("%s: %d boots, %d tests" % (os.path.relpath(PLAN, TOP), len(boots),
                                              sum(len(b.tests) for b in boots)))
            return 0
        patterns = [a for a in args[1:] if a]
        boots = select(boots, patterns)
    except PlanError as e:
        for line in str(e).splitlines():
            print("[vmtest] error: %s" % line, file=sys.stderr)
        return 2
    for b in boots:
        glob = kunit_filter(b, bool(patterns)) if any(t.kind == "kunit" for t in b.tests) \
            else None
        for t in b.tests:
            extra = ", %d stages" % t.stages if t.stages > 1 else ""
            if t.case:
                extra += ", case %s" % t.case
            if t.kind == "kunit" and glob:
                extra += ", kunit.filter_glob=%s" % glob
            print("%s  (boot %s%s)" % (t.id, b.name, extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
