"""The pictures the docs and the labs show (docs/pictures/demo.svg,
labs/NN-slug/key.svg) are drawn by `make pictures` from real runs and kept up
to date: a fresh run, drawn into a temporary folder, must give the same
picture up to what differs from run to run (docs/pictures.py says what
"up to date" compares and what it masks)."""
import difflib
import importlib.util
import re
import subprocess

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("pictures", ROOT / "docs/pictures.py")
pictures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pictures)

LABS = sorted((ROOT / "labs").glob("[0-9][0-9]-*/"))
IMAGE = re.compile(r"!\[[^\]]+\]\(([^)\s]+\.svg)\)")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, bindlab):
    out = tmp_path_factory.mktemp("pictures")
    p = subprocess.run(["/usr/bin/python3", str(ROOT / "docs/pictures.py"), "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={"BINDLAB": bindlab, "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stdout + p.stderr
    return out


def test_every_lab_names_a_key_scenario_of_its_walkthrough():
    for lab in LABS:
        key = pictures.lab_key(lab)
        assert key.startswith("walkthrough/") and (lab / key).is_file(), f"{lab.name}: {key}"


def lines(part):
    if isinstance(part, dict):  # element counts
        return [f"{tag}.{cls} x{n}" for (tag, cls), n in sorted(part.items())]
    return [str(x) for x in part]


@pytest.mark.parametrize("scn,pic", pictures.pictures(), ids=lambda v: v)
def test_picture_is_up_to_date(fresh, scn, pic):
    committed = ROOT / pic
    assert committed.is_file(), f"{pic} is missing: run 'make pictures'"
    old = pictures.stable(committed.read_text())
    new = pictures.stable((fresh / pic).read_text())
    for part in ("style", "elements", "texts"):
        if old[part] != new[part]:
            diff = "\n".join(list(difflib.unified_diff(
                lines(old[part]), lines(new[part]),
                "committed", "a fresh run", lineterm="", n=1))[:30])
            pytest.fail(f"{pic} is stale ({part} differ from {scn} drawn now): "
                        f"run 'make pictures'\n{diff}")


def test_the_readme_shows_the_demo_beside_its_output():
    readme = (ROOT / "README.md").read_text()
    assert IMAGE.findall(readme) == ["docs/pictures/demo.svg"]
    demo = readme.index("## What the demo shows")
    assert demo < readme.index("docs/pictures/demo.svg") < readme.index("## Using it")


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.name)
def test_a_lab_handout_embeds_its_key_picture_where_it_says_what_you_should_see(lab):
    readme = (lab / "README.md").read_text()
    assert IMAGE.findall(readme) == ["key.svg"], lab.name
    see = re.search(r"^##+ .*What you should see.*$", readme, re.M | re.I)
    assert see, "no 'What you should see' section"
    nxt = re.search(r"^##+ ", readme[see.end():], re.M)
    section = readme[see.end():see.end() + nxt.start() if nxt else len(readme)]
    assert "](key.svg)" in section, f"{lab.name}: key.svg is not in 'What you should see'"


def test_a_stale_picture_is_seen(fresh):
    # what the test is for: another result in the run is another picture
    pic = fresh / "docs/pictures/demo.svg"
    text = pic.read_text()
    assert "EADDRINUSE" in text
    assert pictures.stable(text) != pictures.stable(text.replace("EADDRINUSE", "EACCES"))
    # and what it is not for: another ephemeral port, other times
    moved = re.sub(r"(\d+\.\d{3}) ms", lambda m: f"{float(m[1]) + 1:.3f} ms", text)
    moved = re.sub(r":(3[2-9]\d{3}|[4-6]\d{4})\b", ":40000", moved)
    assert pictures.stable(moved) == pictures.stable(text)
