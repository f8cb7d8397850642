"""`bindlab grade`: the rubric (points, prerequisites, partial credit,
visibility, a wall-clock bound per check), the formats read by the tools that
consume them (json + the Gradescope fields, Debian's python3-junitparser, prove,
tap-parser: the reference TAP 14 parser), a grade that survives its worker's
crash or an interrupt, --class with its gradebook, the replay command, and a
host left as it was.  The fixture lab is tests/fixtures/grade/."""
import csv
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "grade"
LABS = FIX / "labs"
STARTER = LABS / "01-rubric" / "starter"
SUBS = FIX / "submissions"
BROWSER = ROOT / "tests" / "browser"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="bindlab grade needs root")

SANDBOX_UIDS = range(60100, 60164)


def sandbox_procs(under):
    """Processes of a sandbox uid running a program from under (other
    graders on this machine have their own)."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid not in SANDBOX_UIDS:
                    continue
                where = [os.readlink(f"/proc/{pid}/{k}") for k in ("exe", "cwd")]
            except OSError:
                continue
            if any(w.startswith(str(under)) for w in where):
                out.append(int(pid))
    return out


def mounts():
    with open("/proc/self/mountinfo") as f:
        return sorted(line.split(" ", 4)[4] for line in f)


@pytest.fixture
def left_alone(clean_host, tmp_path):
    """Besides clean_host: no process of a sandbox uid, no mount, no file in
    /tmp left by the grade."""
    before_mounts, before_tmp = mounts(), set(os.listdir("/tmp"))
    yield
    wait_for(lambda: not sandbox_procs(tmp_path), timeout=10,
             what="the sandbox's processes to end")
    assert mounts() == before_mounts
    new = {n for n in set(os.listdir("/tmp")) - before_tmp if not n.startswith("pytest-")}
    assert not new, f"left in /tmp: {new}"


def copy(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("server"))
    return dst


def grade(bindlab, *args, timeout=120):
    return subprocess.run([bindlab, "grade", "--labs", str(LABS), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def results(out):
    return json.loads((pathlib.Path(out) / "results.json").read_text())


def by_id(res):
    return {t["extra_data"]["id"]: t for t in res["tests"]}


@pytest.fixture(scope="module")
def graded(bindlab, tmp_path_factory):
    """The fixture lab's three submissions, graded once as a class."""
    base = tmp_path_factory.mktemp("grade")
    cls = base / "class"
    cls.mkdir()
    copy(STARTER, cls / "echo")
    copy(SUBS / "fixed-port", cls / "fixed-port")
    copy(SUBS / "no-listen", cls / "no-listen")
    p = grade(bindlab, "1", "--class", cls, "--out", base / "out", "-j", "2")
    return p, base / "out"


def test_not_root_is_one_line_and_exit_2(bindlab, tmp_path):
    if not shutil.which("setpriv"):
        pytest.skip("no setpriv")
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bindlab,
                        "grade", "1", str(STARTER), "--labs", str(LABS)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert p.stderr.startswith("bindlab: grade needs root:") and p.stderr.count("\n") == 1


def test_the_class_is_graded_with_a_gradebook(graded):
    p, out = graded
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines()[-1] == f"3 submissions graded; grades in {out}"
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["echo", "fixed-port", "no-listen"]
    assert list(rows[0]) == ["student", "01-listens", "02-echoes", "03-any-port", "04-bounded",
                             "05-no-reuseport", "06-staff-only", "07-reuseaddr", "total", "max",
                             "status"]
    for r in rows:
        res = results(out / r["student"])
        assert float(r["total"]) == res["score"]
        assert r["max"] == "12" and r["status"] == "graded"
        for t in res["tests"]:
            assert float(r[t["extra_data"]["id"]]) == t["score"]
        for f in ("junit.xml", "results.tap", "summary.txt"):
            assert (out / r["student"] / f).is_file()


def test_the_rubric_points_prerequisites_partial_credit_and_bound(graded):
    _, out = graded
    echo, fixed, none = (by_id(results(out / s)) for s in ("echo", "fixed-port", "no-listen"))
    # points as the rubric gives them
    assert {k: t["max_score"] for k, t in echo.items()} == {
        "01-listens": 2, "02-echoes": 3, "03-any-port": 4, "04-bounded": 1,
        "05-no-reuseport": 1, "06-staff-only": 0, "07-reuseaddr": 1}
    assert echo["01-listens"]["status"] == "passed" and echo["01-listens"]["score"] == 2
    # a prerequisite that failed: skipped with the reason, not a second penalty
    assert none["01-listens"]["status"] == "failed"
    assert none["02-echoes"]["extra_data"]["outcome"] == "skip"
    assert none["02-echoes"]["output"] == "skipped: needs 01-listens, which did not pass"
    assert none["02-echoes"]["extra_data"]["replay"] == ""
    # partial credit: one variant of two
    t = fixed["03-any-port"]
    assert (t["score"], t["status"], t["extra_data"]["parts"], t["extra_data"]["parts_passed"]) \
        == (2, "failed", 2, 1)
    assert "variant [port=8080]: passed" in t["output"]
    assert "variant [port=9090]: failed" in t["output"]
    assert "hint: the port is argv[1], not a constant" in t["output"]
    # the wall-clock bound: a failure of the program's check, the world stopped
    t = echo["04-bounded"]
    assert t["extra_data"]["outcome"] == "fail"
    assert "it took longer than 3 s: stopped, with every process it started" in t["output"]
    assert 3000 <= t["extra_data"]["ms"] < 4500


def test_visibility(graded):
    _, out = graded
    tests = by_id(results(out / "echo"))
    assert {k: t["visibility"] for k, t in tests.items()} == {
        "01-listens": "visible", "02-echoes": "visible", "03-any-port": "visible",
        "04-bounded": "visible", "05-no-reuseport": "after_due_date",
        "06-staff-only": "hidden", "07-reuseaddr": "after_due_date"}


def test_results_json_has_gradescopes_fields(graded):
    _, out = graded
    for s in ("echo", "fixed-port", "no-listen"):
        res = results(out / s)
        assert abs(res["score"] - sum(t["score"] for t in res["tests"])) < 1e-9
        assert res["output_format"] == "text" and isinstance(res["execution_time"], int)
        for n, t in enumerate(res["tests"], 1):
            assert set(t) == {"name", "number", "score", "max_score", "status", "visibility",
                              "output", "extra_data"}
            assert t["number"] == str(n) and t["status"] in ("passed", "failed")
            assert t["name"].startswith(t["extra_data"]["id"] + ": ")
            if t["extra_data"]["outcome"] in ("fail", "error") and t["extra_data"]["replay"]:
                assert t["output"].splitlines()[-1] == "replay: " + t["extra_data"]["replay"]
        x = res["extra_data"]
        assert x["format"] == "bindlab-grade/1" and x["student"] == s
        assert x["kernel"] == "Linux " + os.uname().release + " " + os.uname().machine
        assert x["sandbox"].startswith("uid 601")
        # a Makefile is run with -B (no submitted binary counts), else cc
        assert x["build"]["command"] == (
            f"make -B server (in {out.parent}/class/{s})" if s == "echo"
            else f"cc -Wall -Wextra -O2 -o server *.c (in {out.parent}/class/{s})")


def test_junit_xml_is_read_by_junitparser(graded):
    junitparser = pytest.importorskip("junitparser")
    _, out = graded
    xml = junitparser.JUnitXml.fromfile(str(out / "no-listen" / "junit.xml"))
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == "01-rubric"
    cases = {c.name: c for c in suites[0]}
    assert list(cases) == ["01-listens", "02-echoes", "03-any-port", "04-bounded",
                           "05-no-reuseport", "06-staff-only", "07-reuseaddr"]
    kinds = {k: [type(r).__name__ for r in c.result] for k, c in cases.items()}
    assert kinds["01-listens"] == ["Failure"] and kinds["02-echoes"] == ["Skipped"]
    assert "wait until socket server *:8080 LISTEN" in cases["01-listens"].result[0].text
    assert "replay: " in cases["01-listens"].result[0].text
    props = {p.name: p.value for p in suites[0].properties()}
    assert props["score"] == "0" and props["max_score"] == "12"


def tap_points(path):
    """What Debian's prove (TAP::Parser) reads of a TAP file."""
    code = ("use TAP::Parser; my $p = TAP::Parser->new({source => $ARGV[0]});"
            "while (my $r = $p->next) { print(($r->is_ok ? 'ok' : 'not ok'), ' ', $r->number,"
            " ($r->has_skip ? ' skip' : ''), \"\\n\") if $r->is_test }"
            "print 'error ', $_, \"\\n\" for $p->parse_errors;")
    return subprocess.run(["perl", "-e", code, str(path)], capture_output=True, text=True,
                          timeout=30).stdout.splitlines()


def test_tap_is_read_by_prove_and_tap_parser(graded):
    _, out = graded
    path = out / "fixed-port" / "results.tap"
    text = path.read_text()
    assert text.startswith("TAP version 14\n1..7\n")
    # Debian 12's prove knows TAP up to 13: it says so, and reads every point
    got = tap_points(path)
    assert got == ["ok 1", "ok 2", "not ok 3", "not ok 4", "ok 5", "ok 6", "ok 7",
                   "error TAP specified version 14 but we don't know about versions later "
                   "than 13"]
    if not (BROWSER / "node_modules" / "tap-parser").is_dir():
        pytest.skip("tap-parser is not installed (npm ci --prefix tests/browser)")
    p = subprocess.run(["node", str(BROWSER / "read-tap.mjs")], input=text,
                       capture_output=True, text=True, timeout=30)
    read = json.loads(p.stdout)
    assert read["failures"] == [] and read["count"] == 7 and read["fail"] == 2
    assert read["points"][0] == {"version": 14}
    diag = read["points"][3]["diag"]
    assert diag["points"] == 2 and diag["max_points"] == 4
    assert "variant [port=9090]: failed" in diag["message"]
    assert diag["replay"].endswith("--only 03-any-port --labs '%s' -v" % LABS)


def test_the_summary_ends_with_the_counts(graded):
    _, out = graded
    text = (out / "no-listen" / "summary.txt").read_text().splitlines()
    assert text[-2:] == ["score: 0 / 12", "0 passed, 6 failed, 1 skipped"]
    assert "SKIP  02-echoes" in "\n".join(text)


def test_one_submission_exit_status_and_stdout(bindlab, tmp_path, left_alone):
    sub = copy(SUBS / "fixed-port", tmp_path / "fixed-port")
    p = grade(bindlab, "1", sub, "--out", tmp_path / "out")
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout == (tmp_path / "out" / "summary.txt").read_text()
    assert p.stdout.splitlines()[-2:] == ["score: 9 / 12", "5 passed, 2 failed"]
    # the instructor's folder is read, never written: no binary was left in it
    assert sorted(os.listdir(sub)) == ["server.c"]


def test_the_replay_command_reruns_the_check(bindlab, graded, left_alone):
    _, out = graded
    t = by_id(results(out / "fixed-port"))["03-any-port"]
    cmd = t["extra_data"]["replay"]
    assert cmd.startswith(bindlab + " grade 01-rubric '")
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert any(line.startswith("FAIL  03-any-port ") and " 2/4 " in line for line in lines)
    assert "variant [port=9090]: failed" in p.stdout
    assert p.stdout.splitlines()[-1] == "0 passed, 1 failed, 6 skipped"


def worker_of(pid):
    """The grade's worker: its child process."""
    try:
        kids = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


@pytest.mark.parametrize("how", ["worker-segv", "sigterm"])
def test_a_grade_cut_short_is_still_written(bindlab, tmp_path, how, left_alone):
    sub = copy(STARTER, tmp_path / "echo")
    out = tmp_path / "out"
    proc = subprocess.Popen([bindlab, "grade", "--labs", str(LABS), "1", str(sub), "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        # the 04-bounded check runs 3 s: the worker is there long enough
        worker = wait_for(lambda: worker_of(proc.pid), timeout=10, what="the worker")
        t0 = time.monotonic()
        if how == "worker-segv":
            os.kill(worker, signal.SIGSEGV)
        else:
            os.kill(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=10)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, stdout + stderr
    assert took < 2, took
    res = results(out)
    x = res["extra_data"]
    assert x["status"] == "incomplete"
    why = ("the grader's worker was killed by signal 11 (Segmentation fault)"
           if how == "worker-segv" else "grading was interrupted (Terminated)")
    assert x["why"] == why
    notrun = [t for t in res["tests"] if t["extra_data"]["outcome"] == "error"]
    assert notrun, res
    for t in notrun:
        assert t["output"].startswith("not run: " + why)
        assert t["score"] == 0
    assert abs(res["score"] - sum(t["score"] for t in res["tests"])) < 1e-9
    if how == "sigterm":
        assert stderr.startswith("bindlab: grading was interrupted (Terminated): 1 of 1 graded")
    for f in ("junit.xml", "results.tap", "summary.txt"):
        assert (out / f).is_file()
    assert not list(out.glob(".*.tmp"))


LINK_PROBE = r"""
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
/* listens (and so passes 01-listens) only if it can read a staff file */
int main(void)
{
	const char *tries[] = {"hidden/05-no-reuseport.scn", "solution.scn", "%s"};
	for (int i = 0; i < 3; i++)
		if (open(tries[i], O_RDONLY) >= 0) {
			printf("READ %%s\n", tries[i]);
			fflush(stdout);
			execl("/bin/sh", "sh", "-c", "exec socat TCP-LISTEN:8080,fork,reuseaddr -", NULL);
		}
	return 0;
}
"""


def test_a_submission_reaches_no_staff_file(bindlab, tmp_path, left_alone):
    """A submission that links to the staff's files, or opens them by their
    path, gets none of them: the link is not copied, the path is not there."""
    staff = FIX / "staff" / "01-rubric" / "hidden"
    sub = tmp_path / "linker"
    sub.mkdir()
    (sub / "server.c").write_text(LINK_PROBE % (staff / "05-no-reuseport.scn"))
    (sub / "hidden").symlink_to(staff)
    (sub / "solution.scn").symlink_to(staff / "06-staff-only.scn")
    p = grade(bindlab, "1", sub, "--only", "01-listens", "-v")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "FAIL  01-listens" in p.stdout
    assert "READ " not in p.stdout


def test_two_grades_at_once_take_different_uids(bindlab, tmp_path, left_alone):
    """One student's fork bomb must not starve another's processes: the
    process limit counts per uid, so no two grades on a machine share one."""
    procs = []
    for name in ("a", "b"):
        sub = copy(STARTER, tmp_path / name)
        procs.append(subprocess.Popen(
            [bindlab, "grade", "--labs", str(LABS), "1", str(sub), "--only", "04-bounded",
             "--out", str(tmp_path / f"out-{name}")], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
    for p in procs:
        assert p.wait(timeout=60) == 1
    uids = {results(tmp_path / f"out-{n}")["extra_data"]["sandbox"].split(",")[0]
            for n in ("a", "b")}
    assert len(uids) == 2, uids


def test_a_build_cut_short_leaves_nothing_running(bindlab, tmp_path, left_alone):
    """SIGKILL to bindlab while a submission's build runs: make and what it
    started die with it (the build is pid 1 of a pid namespace of its own)."""
    sub = tmp_path / "slow-build"
    sub.mkdir()
    (sub / "Makefile").write_text("server:\n\tsleep 60 & sleep 60\n")
    proc = subprocess.Popen([bindlab, "grade", "--labs", str(LABS), "1", str(sub)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(sandbox_procs(tmp_path)) >= 3, timeout=10,
                 what="make and its two sleeps")
    finally:
        proc.kill()
        proc.wait()


def test_a_class_shows_its_progress_on_a_terminal(bindlab, tmp_path, left_alone):
    import pty
    cls = tmp_path / "class"
    cls.mkdir()
    for name in ("a", "b", "c"):
        copy(SUBS / "no-listen", cls / name)
    master, slave = pty.openpty()
    p = subprocess.Popen([bindlab, "grade", "--labs", str(LABS), "1", "--class", str(cls),
                          "--out", str(tmp_path / "out"), "--only", "01-listens"],
                         stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert p.wait(timeout=60) == 0
    text = seen.decode()
    assert "grading: 0/3 done, 2 running" in text
    assert text.endswith("\r\x1b[Kgrading: 3/3 done, 0 running\r\n")
    # not on a pipe: the report alone
    out = p.stdout.read()
    assert "grading:" not in out and out.splitlines()[-1].startswith("3 submissions graded")


@pytest.mark.parametrize("sub,check,says", [
    ("forges-its-trace", "07-reuseaddr",
     "its trace says setsockopt(3, SO_REUSEADDR, 1) = 0, but the kernel says that socket has "
     "SO_REUSEADDR off: a record the kernel contradicts is not believed"),
    ("raw-syscall", "05-no-reuseport",
     "no traced call set it, but the kernel says socket 3 of pid 3 has SO_REUSEPORT on (set "
     "without the C library's setsockopt, where the trace cannot see)"),
])
def test_the_kernel_has_the_last_word_on_a_traced_option(bindlab, tmp_path, sub, check, says,
                                                         left_alone):
    """A program writes its own trace: one that forges a record, or sets an
    option by a raw system call, is judged by what the kernel says of its
    socket (while it is open)."""
    folder = copy(SUBS / sub, tmp_path / sub)
    p = grade(bindlab, "1", folder, "--out", tmp_path / "out")
    assert p.returncode == 1, p.stdout + p.stderr
    t = by_id(results(tmp_path / "out"))
    failed = {k for k, v in t.items() if v["status"] != "passed"}
    assert failed == {check, "04-bounded"}, p.stdout
    assert says in t[check]["output"]


def test_a_submission_too_large_to_take_is_graded_like_one_that_does_not_build(
        bindlab, tmp_path, left_alone):
    sub = copy(STARTER, tmp_path / "hoarder")
    for i in range(2001):
        (sub / f"note-{i:04d}.txt").write_text("x")
    p = grade(bindlab, "1", sub, "--out", tmp_path / "out")
    assert p.returncode == 1, p.stdout + p.stderr
    res = results(tmp_path / "out")
    assert res["extra_data"]["status"] == "build failed"
    assert res["extra_data"]["why"] == "the submission has more than 2000 files"
    assert {t["extra_data"]["outcome"] for t in res["tests"]} == {"skip"}
    assert p.stdout.splitlines()[-1] == "0 passed, 0 failed, 7 skipped"
