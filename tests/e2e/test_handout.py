"""`make handout` writes what a student receives: bindlab's source and the
labs, never a reference solution, a hidden check or a wrong fix.  The proof
is the archive's own listing and contents, and a handout that builds and
checks a lab on its own."""
import re
import shutil
import subprocess
import tarfile

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout") / "bindlab-handout.tar.gz"
    p = subprocess.run(["make", "--no-print-directory", "handout", f"HANDOUT={out}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return out


def staff_files():
    return sorted(p for p in (ROOT / "staff").rglob("*") if p.is_file())


def test_the_handout_has_no_staff_folder_and_no_tests(handout):
    names = tarfile.open(handout).getnames()
    assert names and all(n.startswith("bindlab/") for n in names)
    assert not [n for n in names if n.startswith(("bindlab/staff", "bindlab/tests"))]
    for lab in sorted((ROOT / "labs").glob("[0-9][0-9]-*")):
        for f in ["README.md", "lab.conf", "starter/Makefile"]:
            assert f"bindlab/labs/{lab.name}/{f}" in names
        for scn in lab.glob("checks/*.scn"):
            assert f"bindlab/labs/{lab.name}/checks/{scn.name}" in names


def staff_programs(tmp_path):
    """Every program the staff keeps, as a file: each change.patch applied to
    its lab's starter (the solution, the other right answers, the wrong
    fixes)."""
    out = {}
    for patch in sorted((ROOT / "staff").rglob("change.patch")):
        lab = patch.relative_to(ROOT / "staff").parts[0]
        d = tmp_path / "staff" / patch.parent.relative_to(ROOT / "staff")
        shutil.copytree(ROOT / "labs" / lab / "starter", d)
        subprocess.run(["patch", "-s", "-p1", "-d", str(d), "-i", str(patch)], check=True)
        for f in d.glob("*.c"):
            if f.read_bytes() != (ROOT / "labs" / lab / "starter" / f.name).read_bytes():
                out[patch.parent / f.name] = f.read_bytes()
    return out


def test_no_file_of_the_handout_holds_a_staff_file(handout, tmp_path):
    """Not by name, not by content: a solution copied into labs/ by mistake
    is caught too."""
    staff = {p: p.read_bytes() for p in staff_files() if p.stat().st_size > 40}
    staff.update(staff_programs(tmp_path))
    assert staff
    with tarfile.open(handout) as t:
        for m in t.getmembers():
            if not m.isfile():
                continue
            data = t.extractfile(m).read()
            for p, content in staff.items():
                if p.name == "expect":
                    continue
                assert content not in data, f"{m.name} holds {p.relative_to(ROOT)}"


def test_the_handout_builds_and_checks_a_lab_on_its_own(handout, tmp_path):
    with tarfile.open(handout) as t:
        try:
            t.extractall(tmp_path, filter="data")
        except TypeError:  # a Python without extraction filters
            t.extractall(tmp_path)
    tree = tmp_path / "bindlab"
    p = subprocess.run(["make", "-j2", "--no-print-directory", "all"], cwd=tree,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    lab = sorted((tree / "labs").glob("01-*"))[0]
    want = re.search(r"^\*\*Starting score: (\d+) / (\d+)\*\*$",
                     (lab / "README.md").read_text(), re.M).groups()
    p = subprocess.run([str(tree / "build" / "bindlab"), "check", "--no-color", "1"],
                       cwd=tree, capture_output=True, text=True, timeout=300)
    assert f"score: {want[0]} / {want[1]}" in p.stdout, p.stdout + p.stderr
    # hidden checks are not there to run
    p = subprocess.run([str(tree / "build" / "bindlab"), "check", "--hidden", "1"], cwd=tree,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "has no staff folder (hidden checks are not in a student's copy)" in p.stderr
