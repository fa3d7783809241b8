#!/usr/bin/env python3
"""Tests of the test harness itself (testbed/vmtest.py, the Makefile).

No kernel and no VM: QEMU is replaced by a script on PATH that fails to
start or hangs, so that the runner's handling of both can be checked in
seconds. Ends with "N passed, N failed" like every suite of make check.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "testbed"))
import vmtest  # noqa: E402


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


# A QEMU stand-in for the hang tests: writes FAKE_RESULTS to the results
# serial file, then answers the human monitor like QEMU 7.2 does (echo with
# line-editing escapes, then the output and the prompt) with fixed vCPU
# states: vCPU0 spinning in the kernel, vCPU1 halted.
FAKE_HMP_QEMU = """#!%s
import os, re, socket, sys, time
argv = sys.argv[1:]
res = mon = None
for a in argv:
    m = re.match(r"file,id=res,path=(.*)", a)
    res = m.group(1) if m else res
    m = re.match(r"unix:([^,]*),server=on", a)
    mon = m.group(1) if m else mon
pids = os.environ.get("FAKE_QEMU_PIDFILE")
if pids:
    with open(pids, "a") as f:
        f.write("%%d\\n" %% os.getpid())
with open(res, "a") as f:
    f.write(os.environ["FAKE_RESULTS"].replace("|", "\\n"))
regs = ("CPU#0\\r\\nRAX=0 RBX=0\\r\\nRSI=0 RDI=0 RBP=0 RSP=ffffc90000003f00\\r\\n"
        "RIP=ffffffffab001010 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\\r\\n"
        "CPU#1\\r\\nRSI=0 RDI=0 RBP=0 RSP=ffffc90000013f00\\r\\n"
        "RIP=ffffffffab002005 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\\r\\n")
answers = {
    "info registers -a": regs,
    "info mem": ("ffff888000000000-ffff888080000000 0000000080000000 -rw\\r\\n"
                 "ffffffffab000000-ffffffffab800000 0000000000800000 -r-\\r\\n"
                 "ffffffffab800000-ffffffffac000000 0000000000800000 -rw\\r\\n"),
    "info lapic 1": ("dumping local APIC state for CPU 1 \\r\\n\\r\\n"
                     "LVTT\\t 0x000400ec active-hi edge                 "
                     "tsc-deadline Fixed  (vec 236)\\r\\n"
                     "Timer\\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0\\r\\n"
                     "ISR\\t (none)\\r\\nIRR\\t 236\\r\\n"),
    "x /64gx 0xffffc90000003f00": ("ffffc90000003f00: 0xffffffffab003020 0x0000000000000000\\r\\n"
                                   "ffffc90000003f10: 0xffffffffab001000 0xffffffffab004008\\r\\n"),
}
answers["x /1wx 0xffffffffaba00100"] = "ffffffffaba00100: 0x00000001\\r\\n"
answers["x /1gx 0xffffffffaba00200"] = "ffffffffaba00200: 0xffff888000100000\\r\\n"
import json
mem = {int(a): bytes.fromhex(b) for a, b in json.loads(os.environ["FAKE_MEM"]).items()}
jiffies = 4294892296
srv = socket.socket(socket.AF_UNIX)
srv.bind(mon)
srv.listen(1)
c, _ = srv.accept()
c.sendall(b"QEMU 7.2.22 monitor - type 'help' for more information\\r\\n(qemu) ")
buf = b""
while True:
    d = c.recv(4096)
    if not d:
        break
    buf += d
    while b"\\n" in buf:
        line, buf = buf.split(b"\\n", 1)
        cmd = line.decode().strip()
        with open(os.environ["FAKE_MONLOG"], "a") as f:
            f.write(cmd + "\\n")
        m = re.match(r'memsave 0x([0-9a-f]+) (\\d+) "(\\S+)"$', cmd)
        if m and int(m.group(1), 16) in mem:
            with open(m.group(3), "wb") as f:
                f.write(mem[int(m.group(1), 16)][:int(m.group(2))])
        if cmd == "x /1gx 0xffffffffaba00000":
            jiffies += 250
            answers[cmd] = "ffffffffaba00000: 0x%%016x\\r\\n" %% jiffies
        out = "i\\x1b[K\\x1b[D" + cmd + "\\x1b[K\\r\\n" + answers.get(cmd, "")
        c.sendall(out.encode() + b"(qemu) ")
time.sleep(1000)
"""


def printk_ring(rb_addr=0xffff888000100000):
    """A 6.12 printk ring buffer of four descriptors and 64 bytes of text:
    "hello" (seq 10, 1.5 s, level 6), "world!" (seq 11, wrapping to the
    start of the text ring, level 4), one reusable and one empty slot.
    {address: bytes} as the kernel has them, and the ring's own address."""
    import struct
    descs_a, infos_a, data_a = rb_addr + 0x100, rb_addr + 0x200, rb_addr + 0x400
    rb = struct.pack("<I4xQQQQQ", 2, descs_a, infos_a, 5, 4, 11) + \
        struct.pack("<I4xQQQQ", 6, data_a, 144, 64, 0)
    descs = struct.pack("<QQQ", (2 << 62) | 4, 80, 96) + \
        struct.pack("<QQQ", (1 << 62) | 5, 120, 144) + \
        struct.pack("<QQQ", (3 << 62) | 2, 8, 16) + bytes(24)
    infos = b""
    for seq, ts, text, lvl in ((10, 1500000000, b"hello", 6), (11, 2000250000, b"world!", 4),
                               (2, 0, b"old", 6), (0, 0, b"", 0)):
        infos += struct.pack("<QQHBBI", seq, ts, len(text), 0, lvl << 5, 0) + bytes(64)
    data = bytearray(64)
    data[0:14] = struct.pack("<Q", 5) + b"world!"
    data[16:29] = struct.pack("<Q", 4) + b"hello"
    return {rb_addr: rb, descs_a: descs, infos_a: infos, data_a: bytes(data)}, rb_addr


class Plan(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)

    def errors(self, text):
        path = write(os.path.join(self.dir, "plan"), text)
        with self.assertRaises(vmtest.PlanError) as cm:
            vmtest.read_plan(path)
        return str(cm.exception).splitlines()

    def test_the_real_plan_reads(self):
        boots = vmtest.read_plan(os.path.join(TOP, "testbed", "plan"))
        self.assertTrue(boots and all(b.tests for b in boots))

    def test_typos_are_errors_with_file_and_line(self):
        # The four typos of issue 16, each on its own line.
        errs = self.errors("boot a timout=120\n\tkunit physr\n"
                           "boot b apend=kho=on\n\tkunit physr\n"
                           "boot c timeout=100 \"kho=on\"\n\tkunit physr\n"
                           "boot d\n\ttestbed kexec_roundtrip stage=2\n")
        self.assertEqual(len(errs), 4, errs)
        for err, line, word in zip(errs, (1, 3, 5, 8), ("timout", "apend", "append=", "stage")):
            self.assertIn("plan:%d:" % line, err)
            self.assertIn(word, err)
        self.assertIn("did you mean 'timeout'", errs[0])
        self.assertIn("did you mean 'stages'", errs[3])

    def test_bad_values(self):
        errs = self.errors("boot a timeout=soon\n\ttestbed kexec_roundtrip stages=two\n"
                           "\tkunit physr stages=2\n\tkselftest nodir\n\tfoo bar\n"
                           "\ttestbed no_such_test\n")
        self.assertEqual(len(errs), 6, errs)
        self.assertIn("plan:1: timeout=soon", errs[0])
        self.assertIn("plan:2: stages=two", errs[1])
        self.assertIn("plan:3:", errs[2])
        self.assertIn("plan:4:", errs[3])
        self.assertIn("plan:5: 'foo'", errs[4])
        self.assertIn("plan:6: testbed/tests/no_such_test.c does not exist", errs[5])

    def test_duplicates_and_order(self):
        errs = self.errors("\tkunit physr\nboot a\n\tkunit physr\n\tkunit physr\n"
                           "boot a\n\tkunit x\nboot empty\nboot q qemu=\"-m 1G\n\tkunit y\n")
        self.assertIn("plan:1: a test line before the first boot line", errs[0])
        self.assertIn("plan:4: kunit:physr is already in boot a", errs[1])
        self.assertIn("plan:5: boot a is already defined at", errs[2])
        self.assertIn("plan:8: No closing quotation", errs[3])
        self.assertIn("plan:7: boot empty has no tests", errs[4])

    def test_documented_keys_still_read(self):
        path = write(os.path.join(self.dir, "plan"),
                     "# comment\nboot a timeout=10 append=\"x=1 y\" qemu=\"-m 3G\"\n"
                     "\tkunit s\n\tkselftest d/b stages=2 timeout=5\n")
        (b,) = vmtest.read_plan(path)
        self.assertEqual((b.timeout, b.append, b.qemu), (10, "x=1 y", ["-m", "3G"]))
        self.assertEqual([(t.id, t.stages, t.timeout) for t in b.tests],
                         [("kunit:s", 1, None), ("kselftest:d/b", 2, 5)])
        self.assertEqual(b.guest_plan(), "boot a\n\tkunit s 1 10\n\tkselftest d/b 2 5\n")


class Select(unittest.TestCase):
    def boots(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        path = write(os.path.join(d, "plan"),
                     "boot one append=\"kunit.filter_glob=x\"\n\tkunit x\n\tkunit y\n"
                     "\tkselftest iommu/iommufd\nboot two\n\tkunit x\n"
                     "\tkselftest iommu/iommufd_fail_nth\n")
        return vmtest.read_plan(path)

    def ids(self, patterns):
        return [(b.name, t.id, t.case) for b in vmtest.select(self.boots(), patterns)
                for t in b.tests]

    def test_globs_as_before(self):
        self.assertEqual(self.ids(["kselftest:iommu/*"]),
                         [("one", "kselftest:iommu/iommufd", None),
                          ("two", "kselftest:iommu/iommufd_fail_nth", None)])
        self.assertEqual(self.ids(["*fail_nth*"]),
                         [("two", "kselftest:iommu/iommufd_fail_nth", None)])
        self.assertEqual(len(self.ids(["*"])), 5)

    def test_one_boot_and_one_case(self):
        self.assertEqual(self.ids(["two/kunit:x"]), [("two", "kunit:x", None)])
        self.assertEqual(self.ids(["two/*"]), [("two", "kunit:x", None),
                                               ("two", "kselftest:iommu/iommufd_fail_nth", None)])
        self.assertEqual(self.ids(["*/iommufd"]), [("one", "kselftest:iommu/iommufd", None)])
        self.assertEqual(self.ids(["*/kunit:x"]), [("one", "kunit:x", None),
                                                   ("two", "kunit:x", None)])
        self.assertEqual(self.ids(["kselftest:iommu/iommufd:fix.case"]),
                         [("one", "kselftest:iommu/iommufd", "fix.case")])
        with self.assertRaises(vmtest.PlanError):
            vmtest.select(self.boots(), ["nothing*"])

    def test_kunit_filter_and_harness_options(self):
        (one,) = vmtest.select(self.boots(), ["one/kunit:y:case1", "one/kselftest:*:fix.t"])
        self.assertEqual(vmtest.kunit_filter(one, True), "y.case1")
        append = vmtest.boot_append(one, True)
        self.assertIn("kunit.filter_glob=y.case1", append)
        self.assertNotIn("kunit.filter_glob=x", append)
        self.assertIn("loglevel=7", append)
        self.assertIn("\tkselftest iommu/iommufd 1 300 -r fix.t\n", one.guest_plan())
        (b,) = vmtest.select(self.boots(), ["one/kunit:*"])
        self.assertIsNone(vmtest.kunit_filter(b, True))  # two suites: the boot's own
        (b,) = vmtest.select(self.boots(), ["one/kselftest:*"])
        self.assertIn("kunit.enable=0", vmtest.boot_append(b, True))


class Results(unittest.TestCase):
    def test_failure_reasons(self):
        lines = ["TAP version 13", "1..3", "#  RUN  f.a ...", "#  OK  f.a", "ok 1 f.a",
                 "#  RUN  f.b ...", "# t.c:12:b:Expected 1 (1) == x (2)",
                 "#            FAIL  f.b", "not ok 2 f.b", "ok 3 f.c # SKIP no device"]
        p, f, s, plan, failures = vmtest.count_tap(lines, 0)
        self.assertEqual((p, f, s, plan), (1, 1, 1, 3))
        self.assertEqual(failures, [("f.b", ["# t.c:12:b:Expected 1 (1) == x (2)"])])
        self.assertEqual(vmtest.running_case(lines[:7]), "case f.b")

    def test_where_kunit_hung(self):
        console = ["[    1.0]     # Subtest: a", "[    1.1]     ok 1 a_one",
                   "[    1.2] ok 1 a", "[    1.3]     KTAP version 1",
                   "[    1.4]     # Subtest: b", "[    1.5]     # module: b_kunit"]
        self.assertEqual(vmtest.kunit_progress(console), ("b", "in its first case"))
        console.append("[    1.6]     # b_two: mapping 5 ranges")
        self.assertEqual(vmtest.kunit_progress(console),
                         ("b", "in case b_two (its last message)"))
        console.append("[    1.7]     ok 1 b_two")
        self.assertEqual(vmtest.kunit_progress(console), ("b", "after case b_two"))
        console.append("[    2.5] ok 2 b")
        self.assertAlmostEqual(vmtest.kunit_duration(console, "a"), 0.2)
        self.assertAlmostEqual(vmtest.kunit_duration(console, "b"), 1.1)

    def test_kunit_reason_names_the_repository_file(self):
        lines = ["    # Subtest: s", "    1..1",
                 "    # c: EXPECTATION FAILED at ../linux/lib/physr/physr.c:10",
                 "    Expected a == b", "    not ok 1 c", "not ok 1 s"]
        _, f, _, _, failures = vmtest.count_tap(lines, 4)
        self.assertEqual(f, 1)
        self.assertIn("EXPECTATION FAILED at lib/physr/physr.c:10", failures[0][1][0])

    def test_figures_are_the_tests_own(self):
        lines = ["# Starting 2 tests from 1 test cases.", "#  RUN  a.b ...",
                 "# 4KiB ratio 0.5", "# [   12.345678] kho: a kernel line",
                 "# host-check ivshmem 0 4 " + "0" * 64 + " x", "# Totals: pass:1",
                 "# PASSED: 1 / 1 tests passed.", "ok 1 a.b"]
        self.assertEqual(vmtest.figure_lines(lines), ["4KiB ratio 0.5"])

    def test_vcpu_registers_and_kernel_offset(self):
        regs = ("\nCPU#0\nRAX=0\nRSP=ffffc90000003f00\n"
                "RIP=ffffffffab001010 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
                "CPU#1\nEIP=0000b7b9 EFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
                "CPU#2\nRSP=00007ffc00000000\n"
                "RIP=0000000000401000 RFL=00000046 [---Z-P-] CPL=3 II=0 A20=1 SMM=0 HLT=0\n")
        self.assertEqual(vmtest.parse_registers(regs),
                         {0: (0xffffffffab001010, 0xffffc90000003f00, 0, False, True),
                          2: (0x401000, 0x7ffc00000000, 3, False, False)})
        mem = ("0000000000000000-0000000000100000 0000000000100000 -rw\n"
               "ffffffffc0000000-ffffffffc0100000 0000000000100000 -rw\n"
               "ffffffffab200000-ffffffffab400000 0000000000200000 -rw\n"
               "ffffffffab000000-ffffffffab200000 0000000000200000 -r-\n")
        self.assertEqual(vmtest.kernel_image_start(mem), 0xffffffffab000000)
        self.assertIsNone(vmtest.kernel_image_start("PG disabled\n"))

    def test_printk_ring_records_in_order(self):
        mem, rb = printk_ring()
        addrs = sorted(mem)
        recs = vmtest.parse_printk_ring(mem[addrs[0]], mem[addrs[1]], mem[addrs[2]],
                                        mem[addrs[3]])
        self.assertEqual(recs, [(10, 1500000000, 6, "hello"), (11, 2000250000, 4, "world!")])

    def test_symbols_name_runtime_addresses(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        m = write(os.path.join(d, "System.map"),
                  "0000000000000000 D __per_cpu_start\n"
                  "ffffffff81000000 T _text\nffffffff81000000 T startup_64\n"
                  "ffffffff81001000 t spin_here\nffffffff81001800 d not_text\n"
                  "ffffffff81002000 T _etext\n")
        syms = vmtest.Symbols(m)
        self.assertEqual(syms.name(0xffffffffab001010, 0x2a000000), "spin_here+0x10")
        self.assertEqual(syms.name(0xffffffffab001810, 0x2a000000), "spin_here+0x810")
        self.assertIsNone(syms.name(0xffffffffab002000, 0x2a000000))
        self.assertIsNone(syms.name(0xffffffff81001010, 0x2a000000))

    def test_initramfs_appendix_is_a_cpio(self):
        data = vmtest.cpio_newc({"testbed/plan": b"boot a\n", "testbed/cmd": b"true\n"})
        out = subprocess.run(["cpio", "-it", "--quiet"], input=data, capture_output=True,
                             check=True).stdout.decode().split()
        self.assertEqual(sorted(out), ["testbed", "testbed/cmd", "testbed/plan"])


class Runner(unittest.TestCase):
    """vmtest.py run with a fake QEMU: starting failures, hangs, signals."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        self.qemu = write(os.path.join(bindir, "qemu-system-x86_64"),
                          "#!/bin/sh\n"
                          "[ -n \"$FAKE_QEMU_PIDFILE\" ] && echo $$ >>\"$FAKE_QEMU_PIDFILE\"\n"
                          "case \"$FAKE_QEMU\" in\n"
                          "fail) echo \"qemu-system-x86_64: -device x: no such device\" >&2;"
                          " exit 1 ;;\n"
                          "hang) exec sleep 1000 ;;\n"
                          "esac\n", 0o755)
        kbuild = os.path.join(self.dir, "build")
        os.makedirs(os.path.join(kbuild, "arch/x86/boot"))
        write(os.path.join(kbuild, "arch/x86/boot/bzImage"), "")
        guest = os.path.join(self.dir, "guest")
        os.makedirs(guest)
        write(os.path.join(guest, "rootfs.cpio"), "")
        self.plan = write(os.path.join(self.dir, "plan"),
                          "boot first timeout=30\n\tkunit physr\n"
                          "boot second timeout=30\n\tkunit physr_mm\n")
        self.env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
                        OUT=os.path.join(self.dir, "out"), TESTBED_KBUILD=kbuild,
                        TESTBED_GUEST=guest, TESTBED_PLAN=self.plan,
                        FAKE_QEMU_PIDFILE=os.path.join(self.dir, "qemu.pids"),
                        TB_JOBS="1")
        for v in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
            self.env.pop(v, None)

    def run_vmtest(self, fake, *args):
        env = dict(self.env, FAKE_QEMU=fake)
        return subprocess.run([sys.executable, os.path.join(TOP, "testbed", "vmtest.py"),
                               "run"] + list(args), env=env, capture_output=True, text=True,
                              timeout=60)

    def qemu_pids(self):
        try:
            with open(self.env["FAKE_QEMU_PIDFILE"]) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def alive(self, pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def test_qemu_start_failure_is_reported_with_its_message(self):
        r = self.run_vmtest("fail")
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL boot first: QEMU failed (exit status 1): "
                      "qemu-system-x86_64: -device x: no such device", r.stdout)
        self.assertNotIn("guest stopped", r.stdout)
        self.assertTrue(r.stdout.endswith("0 passed, 4 failed\n"), r.stdout)

    def test_runs_in_the_same_second_get_their_own_folders(self):
        a = subprocess.Popen([sys.executable, os.path.join(TOP, "testbed", "vmtest.py"), "run"],
                             env=dict(self.env, FAKE_QEMU="fail"), stdout=subprocess.DEVNULL)
        b = self.run_vmtest("fail")
        a.wait()
        self.assertEqual(b.returncode, 1, b.stderr)
        self.assertEqual(a.returncode, 1)
        logs = os.path.join(self.env["OUT"], "logs")
        runs = [d for d in os.listdir(logs) if d != "latest"]
        self.assertEqual(len(runs), 2, runs)
        self.assertIn(os.readlink(os.path.join(logs, "latest")), runs)

    def test_logs_are_pruned(self):
        for _ in range(3):
            self.run_vmtest("fail")
        env, self.env = self.env, dict(self.env, LOGS_KEEP="2")
        self.run_vmtest("fail")
        self.env = env
        runs = [d for d in os.listdir(os.path.join(self.env["OUT"], "logs")) if d != "latest"]
        self.assertEqual(len(runs), 2, runs)

    def test_parallel_boots_run_at_once_and_all_stop_on_a_signal(self):
        env, self.env = self.env, dict(self.env, TB_JOBS="2")
        try:
            out = self.interrupted_run(signal.SIGTERM, want_qemus=2)
        finally:
            self.env = env
        for boot, suite in (("first", "physr"), ("second", "physr_mm")):
            self.assertIn("FAIL %s/kunit:%s: 0 passed, 1 failed, 0 skipped "
                          "(did not finish (interrupted by SIGTERM" % (boot, suite), out)
        self.assertIn("0 test(s) in 0 boot(s) not run", out)
        self.assertIn("2 boots at a time", out)
        self.assertTrue(out.endswith("\n0 passed, 3 failed\n"), out)

    def test_parallel_boots_each_report_their_failure(self):
        r = subprocess.run([sys.executable, os.path.join(TOP, "testbed", "vmtest.py"), "run"],
                           env=dict(self.env, FAKE_QEMU="fail", TB_JOBS="2"),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        for boot in ("first", "second"):
            self.assertIn("FAIL boot %s: QEMU failed (exit status 1)" % boot, r.stdout)
        self.assertTrue(r.stdout.endswith("0 passed, 4 failed\n"), r.stdout)

    def test_bad_jobs_value_is_an_error(self):
        r = subprocess.run([sys.executable, os.path.join(TOP, "testbed", "vmtest.py"), "run"],
                           env=dict(self.env, FAKE_QEMU="fail", TB_JOBS="two"),
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TB_JOBS=two", r.stdout + r.stderr)
        self.assertFalse(self.qemu_pids())

    def interrupted_run(self, sig, via_make=False, want_qemus=1):
        if via_make:
            mk = write(os.path.join(self.dir, "Makefile"),
                       "t:\n\t@exec %s %s run\n" % (sys.executable,
                                                    os.path.join(TOP, "testbed", "vmtest.py")))
            cmd = ["make", "-s", "-f", mk, "t"]
        else:
            cmd = [sys.executable, os.path.join(TOP, "testbed", "vmtest.py"), "run"]
        p = subprocess.Popen(cmd, env=dict(self.env, FAKE_QEMU="hang"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        for _ in range(100):
            if len(self.qemu_pids()) >= want_qemus:
                break
            time.sleep(0.1)
        self.assertEqual(len(self.qemu_pids()), want_qemus,
                         "the fake QEMUs did not start together")
        time.sleep(0.5)
        p.send_signal(sig)
        out, _ = p.communicate(timeout=20)
        time.sleep(0.3)
        for pid in self.qemu_pids():
            self.assertFalse(self.alive(pid), "QEMU %d outlived the runner" % pid)
        self.returncode = p.returncode
        return out

    def interrupt(self, sig, via_make=False):
        out = self.interrupted_run(sig, via_make)
        self.assertIn("FAIL first/kunit:physr: 0 passed, 1 failed, 0 skipped "
                      "(did not finish (interrupted by %s" % sig.name, out)
        self.assertIn("1 test(s) in 1 boot(s) not run", out)
        self.assertIn("\n0 passed, 2 failed\n", out)
        with open(os.path.join(self.env["OUT"], "logs", "latest", "results.json")) as f:
            self.assertIn("interrupted by %s" % sig.name, json.load(f)["status"])
        with open(os.path.join(self.env["OUT"], "logs", "latest", "summary.txt")) as f:
            self.assertTrue(f.read().endswith("0 passed, 2 failed, 0 skipped\n"))
        return self.returncode

    def hang_run(self, results, plan):
        """A run whose fake QEMU prints @results ('|' for newlines) and then
        hangs with a monitor that answers; timeouts scaled down 100 times."""
        write(self.qemu, FAKE_HMP_QEMU % sys.executable, 0o755)
        write(self.plan, plan)
        write(os.path.join(self.env["TESTBED_KBUILD"], "System.map"),
              "ffffffff81000000 T _text\nffffffff81001000 t spin_here\n"
              "ffffffff81002000 T default_idle\nffffffff81003000 T caller_fn\n"
              "ffffffff81004000 T outer_fn\nffffffff81005000 T _etext\n"
              "ffffffff81a00000 D jiffies_64\nffffffff81a00100 D system_state\n"
              "ffffffff81a00200 D prb\n")
        monlog = os.path.join(self.dir, "monitor.log")
        mem, _ = printk_ring()
        env = dict(self.env, FAKE_RESULTS=results, FAKE_MONLOG=monlog,
                   TB_TIMEOUT_SCALE="0.01",
                   FAKE_MEM=json.dumps({str(a): b.hex() for a, b in mem.items()}))
        start = time.time()
        r = subprocess.run([sys.executable, os.path.join(TOP, "testbed", "vmtest.py"), "run"],
                           env=env, capture_output=True, text=True, timeout=60)
        self.elapsed = time.time() - start
        for pid in self.qemu_pids():
            self.assertFalse(self.alive(pid), "QEMU %d outlived the runner" % pid)
        with open(monlog) as f:
            self.monitor_commands = f.read().split("\n")
        return r

    def assert_vcpus_reported(self, out):
        self.assertIn("kernel text at 0xffffffffab000000 (offset 0x2a000000", out)
        self.assertIn("kernel at 0xffffffffab000000 (through vCPU0): system_state 1 "
                      "(scheduling: initcalls)", out)
        self.assertRegex(out, r"jiffies 4294892546, then 4294892796 \d\.\d s later: "
                              r"\+250, the clock runs")
        self.assertIn("its kernel log (from memory, every level; in vcpus.txt) ends:\n"
                      "      |       <6>[    1.500000] hello\n"
                      "      |       <4>[    2.000250] world!\n", out)
        self.assertIn("vCPU0: RIP spin_here+0x10 (CPL 0, interrupts on), "
                      "5 samples the same: spinning", out)
        self.assertIn("text addresses on its stack: caller_fn+0x20 < outer_fn+0x8", out)
        self.assertIn("vCPU1: RIP default_idle+0x5 (CPL 0, interrupts on), halted (HLT) in "
                      "all 5 samples", out)
        self.assertIn("LAPIC timer: active-hi edge tsc-deadline Fixed (vec 236), initial_count"
                      " = 0 current_count = 0; IRR 236; ISR (none)", out)
        # Only reading commands went to the monitor.
        for c in self.monitor_commands:
            self.assertRegex(c, r"^(|info registers -a|info mem|info lapic [01]|cpu [01]|"
                                r"x /(64g|1g|1w)x 0x[0-9a-f]+|memsave 0x[0-9a-f]+ \d+ \"/\S+\")$")
        self.assertEqual(self.monitor_commands.count("info registers -a"), 5)

    def test_kexec_that_does_not_come_back_is_reported_with_the_vcpus(self):
        r = self.hang_run("# testbed: boot first stage 1 kernel x|"
                          "# testbed: begin testbed:kho_bench stage 1 t=1.0|ok 1 x|"
                          "# testbed: end testbed:kho_bench stage 1 rc=0 t=2.0|"
                          "# testbed: kexec to stage 2|",
                          "boot first timeout=3000\n\ttestbed kho_bench stages=2\n")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("ok   first/testbed:kho_bench [stage 1/2]: 1 passed", r.stdout)
        self.assertIn("FAIL first/testbed:kho_bench [stage 2/2]: 0 passed, 1 failed, 0 skipped "
                      "(did not finish (kexec to stage 2 did not come back within 1 s))",
                      r.stdout)
        self.assertIn("FAIL boot first: stopped after", r.stdout)
        self.assert_vcpus_reported(r.stdout)
        self.assertLess(self.elapsed, 25, "the hang was found by the boot's timeout")
        self.assertTrue(r.stdout.endswith("\n1 passed, 2 failed\n"), r.stdout)
        with open(os.path.join(self.env["OUT"], "logs", "latest", "summary.txt")) as f:
            self.assertIn("vCPU0: RIP spin_here+0x10", f.read())
        with open(os.path.join(self.env["OUT"], "logs", "latest", "first", "vcpus.txt")) as f:
            self.assertIn("  LVTT\t 0x000400ec", f.read())

    def test_test_past_its_timeout_means_a_stuck_guest(self):
        r = self.hang_run("# testbed: boot first stage 1 kernel x|"
                          "# testbed: begin testbed:kho_bench stage 1 t=1.0|",
                          "boot first timeout=3000\n\ttestbed kho_bench timeout=100\n")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL first/testbed:kho_bench: 0 passed, 1 failed, 0 skipped (did not "
                      "finish (testbed:kho_bench stage 1 still running", r.stdout)
        self.assertIn("past its timeout of 1 s: the guest did not stop it", r.stdout)
        self.assert_vcpus_reported(r.stdout)
        self.assertLess(self.elapsed, 25, "the hang was found by the boot's timeout")

    def test_boot_timeout_reports_the_vcpus_too(self):
        r = self.hang_run("", "boot first timeout=300\n\ttestbed kho_bench\n")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL boot first: timed out after 3 s, before the guest's init started",
                      r.stdout)
        self.assert_vcpus_reported(r.stdout)

    def test_qemu_cmd_stays_runnable_without_the_monitor(self):
        self.run_vmtest("fail")
        with open(os.path.join(self.env["OUT"], "logs", "latest", "first", "qemu.cmd")) as f:
            lines = f.read().splitlines()
        self.assertNotIn("-monitor", lines[0])
        self.assertTrue(all(l.startswith("#") for l in lines[1:]), lines)

    def test_sigterm_kills_qemu_and_prints_partial_results(self):
        self.assertEqual(self.interrupt(signal.SIGTERM), 128 + signal.SIGTERM)

    def test_sigint_kills_qemu_and_prints_partial_results(self):
        self.assertEqual(self.interrupt(signal.SIGINT), 128 + signal.SIGINT)

    def test_sigint_to_make_stops_the_run(self):
        self.assertNotEqual(self.interrupt(signal.SIGINT, via_make=True), 0)


class Makefile(unittest.TestCase):
    def test_patterns_are_quoted(self):
        out = subprocess.run(["make", "-s", "-n", "-C", TOP, "test", "T=* kunit:a b/c:d"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("vmtest.py run '*' 'kunit:a' 'b/c:d'", out)

    def test_help(self):
        out = subprocess.run(["make", "-s", "-C", TOP, "help"], capture_output=True,
                             text=True, check=True).stdout
        for word in ("make test", "make vm", "BOOT=", "CMD=", "T=", "make check"):
            self.assertIn(word, out)


if __name__ == "__main__":
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2)
    result = runner.run(unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__]))
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed - len(result.skipped), failed))
    sys.exit(1 if failed else 0)
