#!/usr/bin/env python3
"""Run the test plan in QEMU and sum up the results.

  vmtest.py run [PATTERN...]   run the plan (or the tests whose id matches
                               one of the glob PATTERNs, e.g. 'kunit:*',
                               'kselftest:iommu/*', '*kexec*'), print one
                               line per test and end with "N passed, N failed"
  vmtest.py run --figures PATTERN...
                               the same, and print the tests' TAP comments
                               (how benchmarks report their figures)
  vmtest.py vm                 boot the guest with a shell on this terminal
  vmtest.py list               print the test ids of the plan

A test id is KIND:NAME as written in testbed/plan. Every boot gets a fresh
log folder out/logs/<run>/<boot>/ with console.log (ttyS0, the kernel's
console), results.log (ttyS1, what the tests printed) and one file per
test. out/logs/latest points at the last run.

Host-side checks: a test that made a device write into ivshmem's BAR (or
into memory it reaches) can have the host check the bytes in the BAR's
backing file. It prints, on its results stream,

  # host-check ivshmem OFFSET LENGTH SHA256 NAME

and once the boot has ended the runner hashes LENGTH bytes at OFFSET of
that boot's ivshmem.bin and counts one result "host-check NAME" for the
test. The file is read after the whole boot (all stages), so a test must
not overwrite a region it asked to have checked.

Environment: OUT (default out/) is where the kernel (OUT/build), the
guest root and the logs are; TB_TIMEOUT_SCALE multiplies the plan's
timeouts (testbed/check-debug.sh runs the sanitizer kernel this way).
"""

import fnmatch
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("OUT", os.path.join(TOP, "out"))
ROOTFS = os.path.join(OUT, "guest", "rootfs")
BZIMAGE = os.path.join(OUT, "build", "arch", "x86", "boot", "bzImage")
PLAN = os.path.join(TOP, "testbed", "plan")
# Slower kernels (the sanitizer one of make check-debug) get more time.
TIMEOUT_SCALE = float(os.environ.get("TB_TIMEOUT_SCALE", "1"))

IVSHMEM_SIZE = 16 << 20
# no_timer_check: under TCG on a loaded host the IO-APIC timer check can
# miss its window and panic a boot that would have worked.
BASE_APPEND = ("console=ttyS0,115200 panic=-1 oops=panic loglevel=5 printk.time=1 "
               "no_timer_check")

# Console lines that mean the kernel itself went wrong during a boot.
CRASH_RE = re.compile(
    r"Kernel panic|BUG: |Oops: |general protection fault|kernel BUG at|"
    r"WARNING: CPU: |UBSAN: |KASAN: |RCU detected stall|"
    r"INFO: task .* blocked for more than|watchdog: BUG: soft lockup|"
    # lockdep and kmemleak (the sanitizer kernel of make check-debug)
    r"WARNING: possible |WARNING: inconsistent lock|WARNING: suspicious RCU|"
    r"WARNING: bad unlock|WARNING: held lock|WARNING: lock held|"
    r"unreferenced object 0x")


class Boot:
    def __init__(self, name, opts):
        self.name = name
        self.timeout = int(opts.get("timeout", "300"))
        self.append = opts.get("append", "")
        self.qemu = shlex.split(opts.get("qemu", ""))
        self.tests = []  # (id, stages)

    def plan_text(self):
        lines = ["boot %s" % self.name]
        for tid, stages in self.tests:
            kind, name = tid.split(":", 1)
            lines.append("\t%s %s stages=%d" % (kind, name, stages))
        return "\n".join(lines) + "\n"


def read_plan():
    boots = []
    with open(PLAN) as f:
        for lineno, raw in enumerate(f, 1):
            words = shlex.split(raw, comments=True)
            if not words:
                continue
            line = raw.strip()
            if words[0] == "boot":
                opts = dict(w.split("=", 1) for w in words[2:])
                boots.append(Boot(words[1], opts))
                continue
            if not boots or words[0] not in ("kunit", "kselftest", "testbed"):
                sys.exit("testbed/plan:%d: cannot read '%s'" % (lineno, line))
            stages = 1
            for w in words[2:]:
                if w.startswith("stages="):
                    stages = int(w[len("stages="):])
            boots[-1].tests.append(("%s:%s" % (words[0], words[1]), stages))
    return boots


def select(boots, patterns):
    if not patterns:
        return boots
    chosen = []
    for b in boots:
        tests = [t for t in b.tests if any(fnmatch.fnmatchcase(t[0], p) for p in patterns)]
        if tests:
            b.tests = tests
            chosen.append(b)
    if not chosen:
        sys.exit("no test in testbed/plan matches %s (see: make list)" % " ".join(patterns))
    return chosen


def pack_initramfs(boots, dest):
    """The guest root with the (selected) plan, as an uncompressed cpio."""
    if not os.path.exists(os.path.join(ROOTFS, "init")):
        sys.exit("no guest root in %s: run make build first" % ROOTFS)
    with open(os.path.join(ROOTFS, "testbed", "plan"), "w") as f:
        f.write("".join(b.plan_text() for b in boots))
    files = subprocess.run(["find", "."], cwd=ROOTFS, check=True,
                           capture_output=True).stdout
    with open(dest, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=ROOTFS,
                       input=files, stdout=out, check=True)


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


def run_boot(boot, initrd, logdir):
    os.makedirs(logdir)
    ivshmem = os.path.join(logdir, "ivshmem.bin")
    with open(ivshmem, "wb") as f:
        f.truncate(IVSHMEM_SIZE)
    append = "%s testbed.boot=%s testbed.stage=1 %s" % (BASE_APPEND, boot.name, boot.append)
    if not any(t[0].startswith("kunit:") for t in boot.tests):
        append += " kunit.enable=0"
    console = os.path.join(logdir, "console.log")
    results = os.path.join(logdir, "results.log")
    cmd = qemu_cmd(initrd, append.strip(), ivshmem,
                   ["-chardev", "file,id=con,path=%s" % console, "-serial", "chardev:con"],
                   ["-chardev", "file,id=res,path=%s" % results, "-serial", "chardev:res"],
                   boot.qemu)
    with open(os.path.join(logdir, "qemu.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
    start = time.time()
    timed_out = False
    try:
        subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=boot.timeout * TIMEOUT_SCALE,
                       stdout=open(os.path.join(logdir, "qemu.log"), "w"),
                       stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired:
        timed_out = True
    return time.time() - start, timed_out


# ---------------------------------------------------------------- results

TAP_RE = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$")


def count_tap(lines, indent):
    """Count result lines at exactly @indent spaces: (passed, failed, skipped, names)."""
    p = f = s = 0
    failures = []
    plan = None
    for line in lines:
        if len(line) - len(line.lstrip(" ")) != indent:
            continue
        body = line[indent:]
        m = re.match(r"^1\.\.(\d+)", body)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP_RE.match(body)
        if not m:
            continue
        directive = m.group(3).split("#", 1)[1].strip().upper() if "#" in m.group(3) else ""
        if directive.startswith("SKIP"):
            s += 1
        elif m.group(1) == "ok":
            p += 1
        else:
            f += 1
            failures.append(m.group(3).split("#", 1)[0].strip())
    return p, f, s, plan, failures


HOST_CHECK_RE = re.compile(
    r"^# host-check ivshmem (\d+) (\d+) ([0-9a-f]{64}) (\S+)$")


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
            failures.append(name)
    return p, f, failures


def parse_boot(boot, logdir, timed_out):
    """Per-test outcomes of one boot: list of (id, stage, p, f, s, note)."""
    def read(name):
        try:
            with open(os.path.join(logdir, name), errors="replace") as fh:
                return fh.read().splitlines()
        except FileNotFoundError:
            return []

    results = read("results.log")
    console = read("console.log")
    runs = {}  # (id, stage) -> (rc, lines)
    current = None
    body = []
    done = False
    for line in results:
        line = line.rstrip("\r")
        m = re.match(r"^# testbed: begin (\S+) stage (\d+)$", line)
        if m:
            current, body = (m.group(1), int(m.group(2))), []
            continue
        m = re.match(r"^# testbed: end (\S+) stage (\d+) rc=(\d+)$", line)
        if m and current == (m.group(1), int(m.group(2))):
            runs[current] = (int(m.group(3)), body)
            current = None
            continue
        if line == "# testbed: done":
            done = True
        if current:
            body.append(line)

    outcomes = []
    for tid, stages in boot.tests:
        kind = tid.split(":", 1)[0]
        for stage in range(1, (1 if kind == "kunit" else stages) + 1):
            label = tid if stages == 1 else "%s [stage %d/%d]" % (tid, stage, stages)
            fname = "%s.stage%d.log" % (tid.replace("/", "_").replace(":", "_"), stage)
            if (tid, stage) not in runs:
                partial = body if current == (tid, stage) else []
                with open(os.path.join(logdir, fname), "w") as fh:
                    fh.write("\n".join(partial) + "\n")
                outcomes.append((label, 0, 1, 0, "did not finish (%s)" %
                                 ("timeout after %ds" % boot.timeout if timed_out
                                  else "guest stopped"), fname))
                continue
            rc, lines = runs[(tid, stage)]
            with open(os.path.join(logdir, fname), "w") as fh:
                fh.write("\n".join(lines) + "\n")
            p, f, s, plan, failures = count_tap(lines, 4 if kind == "kunit" else 0)
            notes = []
            hp, hf, hfail = host_checks(lines, logdir)
            p, f, failures = p + hp, f + hf, failures + hfail
            if failures:
                notes.append("failed: " + ", ".join(failures[:5]) +
                             (" ..." if len(failures) > 5 else ""))
            if kind == "kunit" and rc != 0:
                f += 1
                notes.append("suite not in this kernel")
            elif kind != "kunit" and rc == 4 and p + f == 0:
                s += max(1, s == 0)
                notes.append("skipped as a whole (exit 4)")
            elif rc != 0 and f == 0:
                f += 1
                notes.append("exit status %d" % rc)
            if kind != "kunit" and plan is not None and p + f + s < plan:
                f += plan - (p + f + s)
                notes.append("%d of %d planned results missing" % (plan - (p + f + s), plan))
            if p + f + s == 0:
                f += 1
                notes.append("reported no result")
            outcomes.append((label, p, f, s, "; ".join(notes), fname))

    crash = [l for l in console if CRASH_RE.search(l)]
    boot_note = None
    if timed_out:
        boot_note = "timed out after %d s" % boot.timeout
    elif crash:
        boot_note = "kernel trouble on the console: %s" % crash[0].strip()
    elif not done:
        boot_note = "guest stopped before the plan finished"
    return outcomes, boot_note


def userspace_outcomes(logdir):
    """Results of userspace suites that check.sh ran: each log ends with
    "N passed, N failed" from the suite and "# testbed: rc=N" from check.sh."""
    outcomes = []
    for fname in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, fname), errors="replace") as fh:
            lines = fh.read().splitlines()
        counts = [m for m in (re.match(r"^(\d+) passed, (\d+) failed", l) for l in lines) if m]
        rc = [int(l.split("=", 1)[1]) for l in lines if l.startswith("# testbed: rc=")]
        label = "userspace:" + fname[:-len(".log")]
        if not counts:
            outcomes.append((label, 0, 1, 0, "printed no 'N passed, N failed' line", fname))
            continue
        p, f = int(counts[-1].group(1)), int(counts[-1].group(2))
        note = ""
        if rc and rc[-1] != 0 and f == 0:
            f, note = 1, "exit status %d" % rc[-1]
        outcomes.append((label, p, f, 0, note, fname))
    return outcomes


def report(outcomes, summary, totals):
    for label, p, f, s, note, fname in outcomes:
        totals[0] += p
        totals[1] += f
        totals[2] += s
        line = "%-4s %s: %d passed, %d failed, %d skipped%s" % (
            "FAIL" if f else "ok", label, p, f, s, (" (%s)" % note) if note else "")
        print("  " + line, flush=True)
        summary.append(line)


def cmd_run(args):
    ulogs = None
    figures = False
    while args[:1] in (["--userspace-logs"], ["--figures"]):
        if args[0] == "--figures":
            figures, args = True, args[1:]
        else:
            ulogs, args = args[1], args[2:]
    patterns = args
    boots = select(read_plan(), patterns)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rundir = os.path.join(OUT, "logs", stamp)
    os.makedirs(rundir)
    latest = os.path.join(OUT, "logs", "latest")
    if os.path.islink(latest):
        os.unlink(latest)
    os.symlink(stamp, latest)
    initrd = os.path.join(rundir, "initramfs.cpio")
    pack_initramfs(boots, initrd)

    totals = [0, 0, 0]
    try:
        with open(os.path.join(OUT, "base-version")) as fh:
            base = fh.read().strip()
    except FileNotFoundError:
        base = "unknown (run make build)"
    print("[vmtest] base: %s; patches: %s" % (base, os.path.join(TOP, "patches", "series")))
    summary = ["base: " + base]
    if ulogs:
        print("[vmtest] userspace suites (logs in %s)" % ulogs, flush=True)
        report(userspace_outcomes(ulogs), summary, totals)
    for boot in boots:
        logdir = os.path.join(rundir, boot.name)
        print("[vmtest] boot %s: %d test(s), timeout %d s" % (boot.name, len(boot.tests), boot.timeout),
              flush=True)
        elapsed, timed_out = run_boot(boot, initrd, logdir)
        outcomes, boot_note = parse_boot(boot, logdir, timed_out)
        report(outcomes, summary, totals)
        if figures:
            # Benchmarks print their figures as TAP comments.
            for o in outcomes:
                with open(os.path.join(logdir, o[5]), errors="replace") as fh:
                    for line in fh:
                        if line.startswith("# ") and not line.startswith("# Totals"):
                            print("    " + line[2:].rstrip())
        if boot_note:
            totals[1] += 1
            line = "FAIL boot %s: %s" % (boot.name, boot_note)
            print("  " + line)
            summary.append(line)
        print("  boot %s took %.1f s; logs in %s" % (boot.name, elapsed, logdir), flush=True)
    total_p, total_f, total_s = totals
    with open(os.path.join(rundir, "summary.txt"), "w") as fh:
        fh.write("\n".join(summary) + "\n%d passed, %d failed, %d skipped\n"
                 % (total_p, total_f, total_s))
    print("%d skipped" % total_s)
    print("%d passed, %d failed" % (total_p, total_f))
    return 1 if total_f else 0


def cmd_vm():
    boots = read_plan()
    rundir = os.path.join(OUT, "vm")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    initrd = os.path.join(rundir, "initramfs.cpio")
    pack_initramfs(boots, initrd)
    ivshmem = os.path.join(rundir, "ivshmem.bin")
    with open(ivshmem, "wb") as f:
        f.truncate(IVSHMEM_SIZE)
    append = BASE_APPEND.replace("panic=-1 oops=panic ", "") + " kunit.enable=0 " + \
        os.environ.get("APPEND", "")
    cmd = qemu_cmd(initrd, append.strip(), ivshmem,
                   ["-serial", "mon:stdio"],
                   ["-chardev", "file,id=res,path=%s" % os.path.join(rundir, "ttyS1.log"),
                    "-serial", "chardev:res"])
    print("[vmtest] shell on the patched kernel; Ctrl-A X quits QEMU; "
          "the ivshmem backing file is %s" % ivshmem, flush=True)
    return subprocess.call(cmd)


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("run", "vm", "list"):
        sys.exit(__doc__)
    if args[0] == "run":
        return cmd_run(args[1:])
    if args[0] == "vm":
        return cmd_vm()
    for b in read_plan():
        for tid, stages in b.tests:
            print("%s  (boot %s%s)" % (tid, b.name, ", %d stages" % stages if stages > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
