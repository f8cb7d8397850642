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


def sandbox_processes():
    """'pid uid comm' of every process whose real uid is a sandbox uid."""
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
        if uid in SANDBOX_UIDS:
            out.append(f"{pid} uid {uid} {fields['Name'].strip()}")
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


def folder_digests():
    """A digest of each submission folder, and of the class folder's own files."""
    out = {name: tree_digest(SUBMISSIONS / name) for name in cases()}
    out["(the class folder)"] = sorted(os.listdir(SUBMISSIONS))
    return out


def snapshot():
    s = host_snapshot()
    s.update(sandbox=sandbox_processes(), mounts=mounts(), tmp=sorted(os.listdir("/tmp")),
             folders=folder_digests())
    return s


def differences(before, now):
    """How the host now differs from before, one line each ([] if it does not)."""
    out = []
    for key in ("netns", "veth"):
        if now[key] != before[key]:
            out.append(f"{key}: {before[key]} -> {now[key]}")
    new = sorted(set(now["procs"]) - set(before["procs"]))
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
        last[:] = differences(before, snapshot())
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
    before = snapshot()
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
    assert header[0] == "student" and header[-2:] == ["total", "status"], header


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

    # the other formats agree: as many TAP ok lines and JUnit cases as tests
    tap = (folder / "results.tap").read_text()
    passed = sum(t["status"] == "passed" for t in tests)
    assert len(re.findall(r"^ok ", tap, re.M)) == passed, tap
    assert len(re.findall(r"^not ok ", tap, re.M)) == len(tests) - passed, tap
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


def escaped_grandchild():
    """A sandbox process whose process group's leader is gone: the grandchild
    of 10-escapes-with-setsid, after its parent's setsid() and exit."""
    for line in sandbox_processes():
        pid = int(line.split()[0])
        f = stat_fields(pid)
        if f and f[1] != pid and not os.path.exists(f"/proc/{f[1]}"):
            return pid
    return None


KILL_AT = {
    "after-0.2s": 0.2,
    "after-1s": 1.0,
    "after-3s": 3.0,
    "once-the-grandchild-escaped": None,
}


@pytest.mark.parametrize("when", list(KILL_AT))
def test_sigkill_while_grading_the_escape_leaves_nothing(bindlab, tmp_path, when):
    before = snapshot()
    if before["sandbox"]:
        pytest.fail(f"processes of the sandbox's uids before grading: {before['sandbox']}")
    delay = KILL_AT[when]
    t0 = time.monotonic()
    p = subprocess.Popen([bindlab, "grade", LAB, str(SUBMISSIONS / ESCAPE), "--out",
                          str(tmp_path / "grades")], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        if delay is None:
            wait_for(lambda: escaped_grandchild() or p.poll() is not None, timeout=60,
                     what="the setsid grandchild")
        else:
            wait_for(lambda: time.monotonic() - t0 >= delay or p.poll() is not None,
                     timeout=delay + 5, what=f"{delay} s of grading")
        ended = p.poll()
    finally:
        p.kill()
        out, err = p.communicate()
    if ended is not None:
        pytest.fail(f"the grading ended by itself (rc {ended}) in {time.monotonic() - t0:.1f} s, "
                    f"before it could be killed {when}:\n{out.decode()[-2000:]}")
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
