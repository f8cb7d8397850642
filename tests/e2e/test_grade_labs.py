"""The sandbox changes no verdict: every lab graded as a class by `bindlab
grade` (the student's program as an unprivileged uid in its sandbox, the
world's sockets of that uid) gives the reference solution and every other
right answer full marks, and every wrong fix loses exactly the checks its
`expect` file names, as `bindlab check --hidden` (no sandbox) does in
test_labs.py."""
import csv
import json
import os
import shutil
import subprocess

import pytest

from test_labs import all_labs, apply_patch, conf, expectation, STAFF

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="bindlab grade needs root")


def staff_answers(lab):
    """(name, folder, kind) of the solution, the other right answers and the
    wrong fixes of a lab."""
    out = [("solution", STAFF / lab.name / "solution", "right")]
    for kind, tag in (("also-right", "right"), ("wrong", "wrong")):
        d = STAFF / lab.name / kind
        if d.is_dir():
            out += [(f"{kind}-{p.name}", p, tag) for p in sorted(d.iterdir()) if p.is_dir()]
    return out


@pytest.mark.parametrize("lab", all_labs(), ids=lambda p: p.name)
def test_grading_a_lab_agrees_with_its_staff(bindlab, lab, tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    answers = staff_answers(lab)
    for name, folder, _ in answers:
        d = cls / name
        shutil.copytree(lab / "starter", d,
                        ignore=shutil.ignore_patterns(conf(lab)["program"]))
        apply_patch(folder / "change.patch", d)
    out = tmp_path / "out"
    p = subprocess.run(
        [bindlab, "grade", lab.name[:2], "--class", str(cls), "--out", str(out), "-j", "2"],
        capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert set(rows) == {a[0] for a in answers}
    for name, folder, kind in answers:
        res = json.loads((out / name / "results.json").read_text())
        failed = {t["extra_data"]["id"] for t in res["tests"] if t["status"] != "passed"}
        summary = (out / name / "summary.txt").read_text()
        assert rows[name]["status"] == "graded", summary
        if kind == "right":
            assert not failed, summary
            assert res["score"] == res["extra_data"]["max_score"]
        else:
            fails, says = expectation(folder)
            assert failed == fails, summary
            for text in says:
                assert text in summary, f"{text!r} not in:\n{summary}"
