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
