"""Every lab under labs/ is tested as a student and an instructor would use
it, on the real kernel: the handout has what it must, the walkthrough runs,
the untouched starter gets the score its handout predicts, the reference
solution (and every other right answer the staff keeps) gets full marks on
visible and hidden checks, and every wrong fix loses exactly the checks its
`expect` file names, with the message that teaches.  The staff folder
(staff/NN-slug/) is what `make handout` leaves out."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

LABS = ROOT / "labs"
STAFF = ROOT / "staff"
LINE = re.compile(r"^(PASS|FAIL|ERROR)\s+(\S+)\s+(\d+)/(\d+)\s+(.*)$")
SCORE = re.compile(r"^\*\*Starting score: (\d+) / (\d+)\*\*$", re.M)
SECTIONS = ["Goal", "Background", "Steps", "What you should see", "Questions",
            "What to hand in", "Hints"]


def all_labs():
    return sorted(p for p in LABS.iterdir() if p.is_dir() and re.match(r"\d\d-", p.name))


def conf(lab):
    out = {}
    for line in (lab / "lab.conf").read_text().splitlines():
        if line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def overlays(kind):
    """(lab, folder) for staff/NN/KIND/*/ (wrong fixes, other right answers)."""
    out = []
    for lab in all_labs():
        d = STAFF / lab.name / kind
        if d.is_dir():
            out += [(lab, p) for p in sorted(d.iterdir()) if p.is_dir()]
    return out


def student_copy(tmp_path, lab, overlay=None):
    """The starter as a student has it, with overlay's change.patch applied
    (a patch that no longer applies to the starter fails here)."""
    d = tmp_path / "student"
    shutil.copytree(lab / "starter", d, ignore=shutil.ignore_patterns(conf(lab)["program"]))
    if overlay:
        apply_patch(overlay / "change.patch", d)
    return d


def apply_patch(patch, folder):
    p = subprocess.run(["patch", "-s", "-p1", "--no-backup-if-mismatch", "-d", str(folder),
                        "-i", str(patch)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"{patch} does not apply to the starter:\n{p.stdout}{p.stderr}"


def check(bindlab, lab, folder, hidden):
    argv = [bindlab, "check", "--no-color", lab.name, str(folder)]
    if hidden:
        argv.insert(2, "--hidden")
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    checks = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            checks[m.group(2)] = m.group(1)
    m = re.search(r"^score: (\d+) / (\d+)$", p.stdout, re.M)
    return p, checks, (int(m.group(1)), int(m.group(2))) if m else None


def ids(pairs):
    return [f"{lab.name}/{p.name}" for lab, p in pairs]


def test_there_are_at_least_eight_labs_in_order():
    labs = all_labs()
    assert len(labs) >= 8
    assert [int(p.name[:2]) for p in labs] == list(range(1, len(labs) + 1))


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_a_lab_has_what_a_student_and_the_staff_need(lab):
    c = conf(lab)
    for key in ["title", "program", "time", "advice", "verdict", "teaches"]:
        assert c.get(key), f"{lab}/lab.conf has no '{key}:'"
    assert c["verdict"] in ("true", "half-true", "misleading", "false")
    readme = (lab / "README.md").read_text()
    for section in SECTIONS:
        assert re.search(rf"^##+ .*{section}", readme, re.M | re.I), f"no '{section}' section"
    assert len(SCORE.findall(readme)) == 1, "one '**Starting score: X / Y**' line"
    assert f"bindlab check {int(lab.name[:2])}" in readme
    walk = sorted((lab / "walkthrough").glob("*.scn"))
    assert walk, "a walkthrough"
    for scn in walk:
        text = scn.read_text()
        assert "# question:" in text and "# answer:" in text, scn
    checks = sorted((lab / "checks").glob("*.scn"))
    assert checks
    for scn in checks:
        text = scn.read_text()
        assert re.search(r"^# points: \d+$", text, re.M), scn
        assert re.search(r"^# hint: \S", text, re.M), scn
    staff = STAFF / lab.name
    assert (staff / "solution" / "change.patch").is_file(), "a reference solution"
    assert sorted((staff / "hidden").glob("*.scn")), "hidden checks"
    wrong = [p for p in (staff / "wrong").iterdir() if p.is_dir()]
    assert len(wrong) >= 2, "at least two wrong fixes"
    for w in wrong:
        assert (w / "expect").is_file(), w
        assert (w / "change.patch").is_file(), w


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_the_starter_builds_with_plain_cc(lab, tmp_path):
    sources = sorted(str(p) for p in (lab / "starter").glob("*.c"))
    p = subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "prog"),
                        *sources], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_the_walkthrough_runs_on_this_kernel(bindlab, lab):
    p = subprocess.run([bindlab, "lab", "--no-color", "--no-pause", lab.name],
                       capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr
    # one step per file, numbered as the handout cites them
    n = len(list((lab / "walkthrough").glob("*.scn")))
    for k in range(1, n + 1):
        assert f"== step {k} of {n}: " in p.stdout, p.stdout[-2000:]
    assert "This kernel did not do what the lab expects" not in p.stdout


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_the_starter_gets_the_score_the_handout_predicts(bindlab, lab, tmp_path):
    want = tuple(int(x) for x in SCORE.search((lab / "README.md").read_text()).groups())
    p, checks, score = check(bindlab, lab, student_copy(tmp_path, lab), hidden=False)
    assert score == want, p.stdout
    assert p.returncode == (0 if want[0] == want[1] else 1), p.stdout


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_the_solution_gets_full_marks(bindlab, lab, tmp_path):
    p, checks, score = check(bindlab, lab, student_copy(tmp_path, lab, STAFF / lab.name /
                                                        "solution"), hidden=True)
    assert p.returncode == 0, p.stdout
    assert score and score[0] == score[1], p.stdout
    assert set(checks.values()) == {"PASS"}


@pytest.mark.parametrize("lab,right", overlays("also-right"), ids=ids(overlays("also-right")))
def test_another_right_answer_gets_full_marks(bindlab, lab, right, tmp_path):
    p, checks, score = check(bindlab, lab, student_copy(tmp_path, lab, right), hidden=True)
    assert p.returncode == 0, p.stdout
    assert set(checks.values()) == {"PASS"}


def expectation(folder):
    fails, says = set(), []
    for line in (folder / "expect").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "fails":
            fails |= set(value.split())
        elif key == "says":
            says.append(value.strip())
    return fails, says


@pytest.mark.parametrize("lab,wrong", overlays("wrong"), ids=ids(overlays("wrong")))
def test_a_wrong_fix_loses_the_points_it_should(bindlab, lab, wrong, tmp_path):
    fails, says = expectation(wrong)
    assert fails, f"{wrong}/expect names no check that must fail"
    p, checks, score = check(bindlab, lab, student_copy(tmp_path, lab, wrong), hidden=True)
    assert p.returncode == 1, p.stdout
    assert fails <= set(checks), f"unknown check ids in expect: {fails - set(checks)}"
    failed = {k for k, v in checks.items() if v != "PASS"}
    assert failed == fails, p.stdout
    for text in says:
        assert text in p.stdout, f"{text!r} not in:\n{p.stdout}"


def test_the_index_lists_every_lab(bindlab):
    index = (LABS / "README.md").read_text()
    p = subprocess.run([bindlab, "lab"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    for lab in all_labs():
        assert f"{lab.name}/" in index, lab.name
        assert lab.name in p.stdout
        assert conf(lab)["title"] in p.stdout
