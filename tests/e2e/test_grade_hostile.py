"""`bindlab grade` on the committed set of hostile and broken submissions of
lab 02 (tests/grade/submissions/: one folder per student, each with the
points an honest grader gives in its `expect` file).  The whole class is
graded once, two at a time; every submission must get exactly its points,
the same in its results.json, its gradebook row and its summary, and the
host must be left as it was: no process of the sandbox's uids, no mount, no
new entry in /tmp, not a byte changed in the submissions.  A grading killed
by SIGKILL while it runs the escaping submission must leave the same
nothing behind."""
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, host_snapshot, wait_for

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="bindlab grade needs root: it runs each submission as an unprivileged uid "
           "(60100 + slot) in a sandbox only root can build")

LAB = "2"
LAB_DIR = ROOT / "labs" / "02-rapid-restart"
SOLUTION = ROOT / "staff" / "02-rapid-restart" / "solution" / "change.patch"
SUBMISSIONS = ROOT / "tests" / "grade" / "submissions"
SANDBOX_UIDS = range(60100, 60164)
ESCAPE = "10-escapes-with-setsid"
TOTAL = 9
SETTLE_S = 15  # a bound for the last processes of a grading to finish dying


def cases():
    return sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir())


def read_expect(name):
    """The expect file as {why, points, status, says: [...]}."""
    out = {"says": []}
    for n, line in enumerate((SUBMISSIONS / name / "expect").read_text().splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        assert sep, f"{name}/expect:{n}: not 'key: value': {line!r}"
        key, value = key.strip(), value.strip()
        if key == "says":
            out["says"].append(value)
        elif key in ("why", "points", "status"):
            assert key not in out, f"{name}/expect:{n}: a second '{key}:'"
            out[key] = int(value.split()[0]) if key == "points" else value
        else:
            raise AssertionError(f"{name}/expect:{n}: unknown key '{key}'")
    return out


# --- what the host looks like --------------------------------------------


def under(pid, link, roots):
    try:
        target = os.readlink(f"/proc/{pid}/{link}")
    except OSError:
        return False
    return any(target == str(r) or target.startswith(f"{r}/") for r in roots)


def sandbox_processes(roots):
    """'pid uid comm' of each process of a sandbox uid that belongs to a
    grading of the folders under roots: its program or its working folder
    is in one of them (the scratch is mounted at the submission's own path,
    the build runs in it).  Other gradings on this host use the same uids,
    so the uid alone does not say whose a process is."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue
        uid = int(fields["Uid"].split()[0])
        if uid in SANDBOX_UIDS and (under(pid, "exe", roots) or under(pid, "cwd", roots)):
            out.append(f"{pid} uid {uid} {fields['Name'].strip()}")
    return sorted(out)


def our_bindlabs(bindlab):
    """The processes running this build's bindlab (other clones on this host
    run their own)."""
    return sorted(int(pid) for pid in os.listdir("/proc")
                  if pid.isdigit() and under(pid, "exe", [Path(bindlab).resolve()]))


def tmp_entries():
    """What of /tmp a grading could have left: entries of a sandbox uid, or
    named after bindlab.  Other sessions on this host write to /tmp as root
    while this test runs, so a root-owned file of another name is theirs."""
    out = []
    for name in os.listdir("/tmp"):
        try:
            uid = os.lstat(f"/tmp/{name}").st_uid
        except OSError:
            continue
        if uid in SANDBOX_UIDS or "bindlab" in name.lower():
            out.append(name)
    return sorted(out)


def mounts():
    """The host's mount table without the mount ids, which are the same only as long
    as nothing is mounted (an id is never given out twice)."""
    return sorted(" ".join(l.split()[2:]) for l in Path("/proc/self/mountinfo").read_text()
                  .splitlines())


def tree_digest(root):
    """Every name under root with its kind, mode and content (or target)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h.update(f"{os.path.relpath(p, root)}\0{stat.S_IFMT(st.st_mode)}\0"
                     f"{stat.S_IMODE(st.st_mode):o}\0".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
            h.update(b"\0")
    return h.hexdigest()


def folder_digests(folders):
    """A digest of each folder, and the names in the class folder."""
    out = {str(f): tree_digest(f) for f in folders}
    out["(the class folder)"] = sorted(os.listdir(SUBMISSIONS))
    return out


def snapshot(bindlab, roots):
    """The host as far as a grading of the folders under roots may change it."""
    s = host_snapshot()
    folders = [f for r in roots for f in sorted(Path(r).iterdir()) if f.is_dir()]
    s.update(bindlabs=our_bindlabs(bindlab), sandbox=sandbox_processes(roots), mounts=mounts(),
             tmp=tmp_entries(), folders=folder_digests(folders),
             snapshot=lambda: snapshot(bindlab, roots))
    return s


def differences(before, now):
    """How the host now differs from before, one line each ([] if it does not)."""
    out = []
    for key in ("netns", "veth"):
        if now[key] != before[key]:
            out.append(f"{key}: {before[key]} -> {now[key]}")
    new = sorted(set(now["bindlabs"]) - set(before["bindlabs"]))
    if new:
        out.append(f"bindlab processes left: {new}")
    if now["sandbox"]:
        out.append(f"processes of the sandbox's uids: {now['sandbox']}")
    gone = sorted(set(before["mounts"]) - set(now["mounts"]))
    added = sorted(set(now["mounts"]) - set(before["mounts"]))
    if gone or added:
        out.append(f"mounts: added {added}, gone {gone}")
    added = sorted(set(now["tmp"]) - set(before["tmp"]))
    if added:
        out.append(f"new in /tmp: {added}")
    changed = [k for k in before["folders"] if now["folders"].get(k) != before["folders"][k]]
    if changed:
        out.append(f"submission folders written: {changed}")
    return out


def settle(before):
    """Wait, bounded, for the host to be as it was; return what still differs."""
    last = []

    def same():
        last[:] = differences(before, before["snapshot"]())
        return not last

    try:
        wait_for(same, timeout=SETTLE_S, what="the host to be as it was")
    except pytest.fail.Exception:
        pass
    return last


# --- grading the class ---------------------------------------------------


class Graded:
    def __init__(self, proc, out, left, seconds):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.out, self.left, self.seconds = out, left, seconds

    def __repr__(self):
        return (f"bindlab grade: rc={self.rc} in {self.seconds:.1f} s\n--- stdout\n"
                f"{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}")


@pytest.fixture(scope="module")
def graded(bindlab, tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile") / "grades"
    before = snapshot(bindlab, [SUBMISSIONS])
    if before["sandbox"]:
        pytest.fail(f"processes of the sandbox's uids before grading: {before['sandbox']}")
    t0 = time.monotonic()
    p = subprocess.run([bindlab, "grade", LAB, "--class", str(SUBMISSIONS), "--out", str(out),
                        "-j", "2"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - t0
    return Graded(p, out, settle(before), seconds)


def gradebook(graded):
    with open(graded.out / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["student"]: r for r in rows}


def test_every_submission_gets_a_result(graded):
    assert graded.rc == 0, graded
    book = gradebook(graded)
    assert sorted(book) == cases(), graded
    with open(graded.out / "gradebook.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header[0] == "student" and "total" in header and header[-1] == "status", header


@pytest.mark.parametrize("name", cases())
def test_submission_gets_its_points(graded, name):
    want = read_expect(name)
    folder = graded.out / name
    results = json.loads((folder / "results.json").read_text())
    summary = (folder / "summary.txt").read_text()
    tests = results["tests"]
    got = sum(t["score"] for t in tests)
    assert results["score"] == got, (
        f"results.json: score {results['score']} but its tests add up to {got}")
    assert results["score"] == want["points"], (
        f"{name}: expected {want['points']} / {TOTAL}, got {results['score']} "
        f"({want['why']})\n--- summary.txt\n{summary}")
    assert results["extra_data"]["student"] == name
    for t in tests:
        assert 0 <= t["score"] <= t["max_score"], t
        assert t["status"] in ("passed", "failed"), t
    if want["status"] == "graded":
        assert sum(t["max_score"] for t in tests) == TOTAL, tests

    row = gradebook(graded)[name]
    assert float(row["total"]) == want["points"], row
    assert row["status"] == want["status"], row
    for t in tests:
        check = t["extra_data"]["id"]
        if check in row:
            assert float(row[check]) == t["score"], (check, row, t)

    # the summary's own score line, at the start of a line: a student's
    # forged "score: 9 / 9" is quoted, never the grader's line
    scores = re.findall(r"^score: (\d+) / (\d+)$", summary, re.M)
    assert scores == [(str(want["points"]), str(TOTAL))], (scores, summary)
    for text in want["says"]:
        assert text in summary, f"{name}: {text!r} is not in summary.txt:\n{summary}"

    # the other formats agree: a TAP line and a JUnit case per test, the
    # skipped ones `ok ... # SKIP` (the student's forged `ok` lines are no lines
    # of it)
    tap = (folder / "results.tap").read_text()
    passed = sum(t["status"] == "passed" for t in tests)
    skipped = sum(t["extra_data"]["outcome"] == "skip" for t in tests)
    assert len(re.findall(r"^ok \d+ .*# SKIP", tap, re.M)) == skipped, tap
    assert len(re.findall(r"^ok ", tap, re.M)) == passed + skipped, tap
    assert len(re.findall(r"^not ok ", tap, re.M)) == len(tests) - passed - skipped, tap
    junit = ET.parse(folder / "junit.xml").getroot()
    assert len(junit.findall(".//testcase")) == len(tests)


def test_grading_leaves_no_process_mount_or_temp_file(graded):
    left = [d for d in graded.left if not d.startswith("submission folders")]
    assert left == [], "\n".join(left)


def test_grading_writes_nothing_in_the_submission_folders(graded):
    left = [d for d in graded.left if d.startswith("submission folders")]
    assert left == [], "\n".join(left)


# --- killing a grading ----------------------------------------------------


def stat_fields(pid):
    """(ppid, pgrp, session) of pid, as the host sees them, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[1]), int(rest[2]), int(rest[3])
    except (OSError, IndexError, ValueError):
        return None


def escaped_grandchildren(roots):
    """The sandbox processes whose process group's leader is gone: each the
    grandchild of 10-escapes-with-setsid, after its parent's setsid() and exit."""
    out = set()
    for line in sandbox_processes(roots):
        pid = int(line.split()[0])
        f = stat_fields(pid)
        if f and f[1] != pid and not os.path.exists(f"/proc/{f[1]}"):
            out.add(pid)
    return out


class LaterGrandchild:
    """True once a grandchild other than the first one seen exists: a later
    check's (each check's first server leaves one)."""

    def __init__(self, roots):
        self.roots, self.first = roots, None

    def __call__(self, t0):
        now = escaped_grandchildren(self.roots)
        if self.first is None and now:
            self.first = min(now)
        return self.first is not None and bool(now - {self.first})


def after(seconds):
    return lambda t0: time.monotonic() - t0 >= seconds


# When to kill: delays from the start, and events of the run seen in /proc.
KILL_AT = {
    "after-0.2s": lambda roots: after(0.2),
    "after-1s": lambda roots: after(1.0),
    "after-3s": lambda roots: after(3.0),
    "grandchild-escaped": lambda roots: lambda t0: escaped_grandchildren(roots),
    "grandchild-of-a-later-check": LaterGrandchild,
}


@pytest.fixture
def slow_escape(tmp_path):
    """10-escapes-with-setsid, built to wait 1 s before its first accept():
    graded as it is, the whole grading is over in 0.3 s, before most kill
    points; so each check lasts over a second (and the grading, one check at
    a time, over 5 s) while doing what the submission does."""
    d = tmp_path / "class" / ESCAPE
    shutil.copytree(SUBMISSIONS / ESCAPE, d)
    (d / "Makefile").write_text("server: server.c\n"
                                "\t$(CC) -O2 -DFIRST_ACCEPT_DELAY_MS=1000 -o server server.c\n")
    return d


@pytest.mark.parametrize("when", list(KILL_AT))
def test_sigkill_while_grading_the_escape_leaves_nothing(bindlab, tmp_path, slow_escape, when):
    roots = [slow_escape.parent]
    before = snapshot(bindlab, roots)
    if before["sandbox"]:
        pytest.fail(f"processes of the sandbox's uids before grading: {before['sandbox']}")
    point = KILL_AT[when](roots)
    t0 = time.monotonic()
    p = subprocess.Popen([bindlab, "grade", LAB, str(slow_escape), "--out",
                          str(tmp_path / "grades"), "-j", "1"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: point(t0) or p.poll() is not None, timeout=60, what=when)
        ended = p.poll()
    finally:
        p.kill()
        out, err = p.communicate()
    if ended is not None:
        pytest.fail(f"the grading ended by itself (rc {ended}) after "
                    f"{time.monotonic() - t0:.2f} s, before the kill point {when}:\n"
                    f"{out.decode()[-3000:]}")
    left = settle(before)
    assert left == [], f"killed {when}:\n" + "\n".join(left)


# --- the set itself -------------------------------------------------------


@pytest.mark.parametrize("name", cases())
def test_each_case_is_complete(name):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+", name), f"{name}: not NN-what-it-does"
    assert (SUBMISSIONS / name / "server.c").is_file()
    want = read_expect(name)
    assert {"why", "points", "status"} <= set(want), f"{name}/expect lacks a key: {want}"
    assert 0 <= want["points"] <= TOTAL
    assert want["status"] in ("graded", "build failed")


def test_the_starter_and_the_solution_are_the_labs_own(tmp_path):
    """16 and 17 are copies: the lab's starter may not move without them."""
    starter = SUBMISSIONS / "17-untouched-starter"
    for f in ("server.c", "Makefile"):
        assert (starter / f).read_bytes() == (LAB_DIR / "starter" / f).read_bytes(), f
    d = tmp_path / "solution"
    shutil.copytree(LAB_DIR / "starter", d, ignore=shutil.ignore_patterns("server"))
    subprocess.run(["patch", "-s", "-p1", "-d", str(d), "-i", str(SOLUTION)], check=True)
    for f in ("server.c", "Makefile"):
        assert (SUBMISSIONS / "16-reference-solution" / f).read_bytes() == (d / f).read_bytes()
