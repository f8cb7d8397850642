"""The autograder templates, run the way the graders' machines run them.

Gradescope (grade/autograder/gradescope/): `make autograder LAB=2` writes the
zip; it is unpacked into a fake /autograder in a temporary folder (source/,
submission/, results/), setup.sh builds bindlab there (its apt-get part left
out), and run_autograder grades a real submission with AUTOGRADER_ROOT pointing
at the fake.  results.json must be valid, its score the sum of its tests', the
reference solution at full marks and the untouched starter at the score
`bindlab check --hidden` gives it, check by check.  Whatever grade writes is
kept (a failed build, a grade stopped at the deadline: "incomplete", the checks
not run saying so); when the machine cannot create namespaces, or there is no
bindlab, results.json still exists and says so, with no tests.

GitHub Actions (grade/autograder/github/): the workflow parses, runs on push,
has its steps, and its shell passes bash -n and shellcheck."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, have
from test_labs import apply_patch, student_copy

LAB = ROOT / "labs" / "02-rapid-restart"
STAFF = ROOT / "staff" / LAB.name
ZIP = ROOT / "build" / f"autograder-{LAB.name}.zip"
GRADESCOPE = ROOT / "grade" / "autograder" / "gradescope"
WORKFLOW = ROOT / "grade" / "autograder" / "github" / "bindlab-grade.yml"
SCRIPTS = [GRADESCOPE / "setup.sh", GRADESCOPE / "run_autograder", GRADESCOPE / "package.sh"]
VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
CHECK_LINE = re.compile(r"^(PASS|FAIL|SKIP|ERROR)\s+(\S+)\s+(\d+)/(\d+)\s", re.M)

needs_root = pytest.mark.skipif(os.geteuid() != 0,
                                reason="bindlab grade needs root (it runs student code as "
                                       "an unprivileged uid)")


def points(scn):
    return int(re.search(r"^# points: (\d+)$", scn.read_text(), re.M).group(1))


def rubric():
    """{check id: (points, hidden)} from the check files themselves."""
    out = {p.stem: (points(p), False) for p in sorted((LAB / "checks").glob("*.scn"))}
    out.update({p.stem: (points(p), True) for p in sorted((STAFF / "hidden").glob("*.scn"))})
    return out


def visibility():
    """{check id: Gradescope visibility}: the check's `# visibility:` line, else
    visible for labs/ checks and after_due_date for staff/ ones."""
    out = {}
    for folder, default in ((LAB / "checks", "visible"), (STAFF / "hidden", "after_due_date")):
        for p in sorted(folder.glob("*.scn")):
            m = re.search(r"^# visibility: *(\S+)", p.read_text(), re.M)
            out[p.stem] = m.group(1) if m else default
    return out


def hundredths(v):
    """Points as grade writes them, in hundredths: exact, an int."""
    h = round(v * 100)
    assert abs(v * 100 - h) < 1e-6, f"{v} is not in hundredths"
    return h


# --- the fake /autograder ---------------------------------------------------

@pytest.fixture(scope="module")
def autograder_zip():
    p = subprocess.run(["make", "--no-print-directory", "autograder", "LAB=2"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert ZIP.is_file(), p.stdout
    return ZIP


def world_readable_tempdir(prefix):
    # Gradescope's /autograder is root's and readable by all; pytest's own
    # temporary folders are 0700, which /autograder never is
    d = Path(tempfile.mkdtemp(prefix=prefix))
    d.chmod(0o755)
    return d


@pytest.fixture(scope="module")
def built_source(autograder_zip):
    """The zip unpacked as Gradescope does (into source/) and built by setup.sh."""
    base = world_readable_tempdir("autograder-image-")
    try:
        with zipfile.ZipFile(autograder_zip) as z:
            z.extractall(base / "source")
            for info in z.infolist():  # extractall drops the modes
                mode = info.external_attr >> 16
                if mode:
                    (base / "source" / info.filename).chmod(mode & 0o7777)
        env = dict(os.environ, AUTOGRADER_ROOT=str(base), BINDLAB_SKIP_INSTALL="1")
        p = subprocess.run([str(base / "source" / "setup.sh")], env=env, capture_output=True,
                           text=True, timeout=600)
        assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
        yield base / "source"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def autograder(built_source):
    """A fresh /autograder for one submission: source/ (the built image's),
    submission/ (empty) and no results/."""
    root = world_readable_tempdir("autograder-")
    (root / "source").symlink_to(built_source)
    (root / "submission").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def submit(root, folder, inside=""):
    dest = root / "submission" / inside
    shutil.copytree(folder, dest, dirs_exist_ok=True)


def run_autograder(root, *, wrap=(), timeout=600, **env):
    script = root / "source" / "run_autograder"
    p = subprocess.run([*wrap, str(script)], cwd=root, capture_output=True, text=True,
                       timeout=timeout, env=dict(os.environ, AUTOGRADER_ROOT=str(root), **env))
    path = root / "results" / "results.json"
    assert path.is_file(), f"no results.json\n{p.stdout[-4000:]}{p.stderr[-4000:]}"
    try:
        results = json.loads(path.read_text())
    except ValueError as e:
        raise AssertionError(f"results.json is not JSON ({e}):\n{path.read_text()[:2000]}")
    return p, results


def assert_gradescope_shape(r):
    """What Gradescope reads: a numeric score, tests with numeric scores, and
    the top-level score (which overrides the tests' total) equal to their sum."""
    assert isinstance(r, dict), r
    assert isinstance(r.get("score"), (int, float)), r
    assert isinstance(r.get("output", ""), str), r
    tests = r.get("tests", [])
    assert isinstance(tests, list), r
    for t in tests:
        assert isinstance(t.get("name"), str) and t["name"], t
        assert isinstance(t.get("score"), (int, float)), t
        assert isinstance(t.get("max_score"), (int, float)), t
        assert 0 <= t["score"] <= t["max_score"], t
        assert t.get("status") in ("passed", "failed"), t
        assert t.get("visibility", "visible") in VISIBILITY, t
    # grade writes every score in hundredths and the top one as their sum
    total = sum(hundredths(t["score"]) for t in tests)
    assert hundredths(r["score"]) == total, f"score {r['score']} != sum of the tests' {total / 100}"


def by_id(results):
    """{check id: test} from the tests' extra_data.id."""
    out = {}
    for t in results["tests"]:
        cid = t.get("extra_data", {}).get("id")
        assert cid, f"a test without extra_data.id: {t}"
        out[cid] = t
    return out


def solution_copy(tmp_path):
    return student_copy(tmp_path, LAB, STAFF / "solution")


# --- the zip ----------------------------------------------------------------

def test_the_zip_has_both_scripts_at_its_top_and_only_this_labs_files(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        infos = {i.filename: i for i in z.infolist()}
        conf = z.read("autograder.conf").decode()
    for script in ("setup.sh", "run_autograder"):
        assert script in infos, sorted(infos)[:20]
        assert infos[script].external_attr >> 16 & 0o111, f"{script} is not executable"
    assert re.search(rf"^lab: {LAB.name}$", conf, re.M), conf
    names = set(infos)
    for need in ["Makefile", "harness/world.c", "cli/main.c", "grade/lab.c",
                 "harness/trace/libbindlab-trace.c", f"labs/{LAB.name}/lab.conf",
                 f"labs/{LAB.name}/starter/server.c", f"staff/{LAB.name}/solution/change.patch"]:
        assert need in names, need
    for hidden in (STAFF / "hidden").glob("*.scn"):
        assert f"staff/{LAB.name}/hidden/{hidden.name}" in names
    # no other lab, no tests, no build output, no nested folder around it all
    others = {n.split("/")[1] for n in names if n.startswith(("labs/", "staff/")) and
              n.count("/") > 1}
    assert others == {LAB.name}, others
    assert not [n for n in names if n.startswith(("tests/", "build/", "bench/", ".ci/"))]
    assert f"labs/{LAB.name}/starter/server" not in names
    assert not [n for n in names if n.startswith("grade/autograder/")]


def test_setup_builds_bindlab_in_the_source_folder(built_source):
    bindlab = built_source / "build" / "bindlab"
    assert bindlab.is_file() and os.access(bindlab, os.X_OK)
    assert (built_source / "build" / "libbindlab-trace.so").is_file()
    p = subprocess.run([str(bindlab), "version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


def test_setup_installs_the_packages_the_makefile_names():
    """One list: setup.sh and the workflow read the Makefile's DEPS_RUN, which
    DEPS_DEB and CI's machine (.ci/run) include."""
    make = (ROOT / "Makefile").read_text()
    run = re.search(r"^DEPS_RUN *= *(.*)$", make, re.M)
    assert run, "no DEPS_RUN line in the Makefile"
    deps = run.group(1).split()
    assert deps and "\\" not in run.group(1), "DEPS_RUN must stay on one line"
    assert re.search(r"^DEPS_DEB *= *\$\(DEPS_RUN\)", make, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    for d in deps:
        assert re.search(rf"\b{re.escape(d)}\b", ci), f"{d} is not installed by .ci/run"
    for f in (GRADESCOPE / "setup.sh", WORKFLOW):
        assert "s/^DEPS_RUN *= *//p" in f.read_text(), f"{f} does not read DEPS_RUN"


# --- grading ----------------------------------------------------------------

@needs_root
def test_the_solution_gets_full_marks(autograder, tmp_path):
    submit(autograder, solution_copy(tmp_path))
    p, r = run_autograder(autograder)
    assert_gradescope_shape(r)
    want = rubric()
    tests = by_id(r)
    assert set(tests) == set(want), p.stdout[-3000:]
    assert r["score"] == sum(pts for pts, _ in want.values()), p.stdout[-3000:]
    vis = visibility()
    for cid, (pts, hidden) in want.items():
        t = tests[cid]
        assert (t["score"], t["max_score"], t["status"]) == (pts, pts, "passed"), t
        assert t["visibility"] == vis[cid], t
    extra = r.get("extra_data", {})
    assert (extra.get("lab"), extra.get("status"), extra.get("max_score")) == \
        (LAB.name, "graded", r["score"]), extra
    assert_other_formats(autograder / "results", r)


@needs_root
def test_the_starter_gets_the_score_bindlab_check_gives_it(bindlab, autograder, tmp_path):
    starter = student_copy(tmp_path, LAB)
    submit(autograder, starter)
    p, r = run_autograder(autograder)
    assert_gradescope_shape(r)
    # the same submission through bindlab check --hidden, check by check
    c = subprocess.run([bindlab, "check", "--hidden", "--no-color", LAB.name, str(starter)],
                       capture_output=True, text=True, timeout=300)
    assert c.returncode == 1, c.stdout
    want = {m.group(2): (int(m.group(3)), int(m.group(4))) for m in CHECK_LINE.finditer(c.stdout)}
    got = {cid: (t["score"], t["max_score"]) for cid, t in by_id(r).items()}
    assert got == want, f"grade: {got}\ncheck: {want}\n{p.stdout[-3000:]}"
    total = re.search(r"^score: (\d+) / (\d+)$", c.stdout, re.M)
    assert r["score"] == int(total.group(1)) < int(total.group(2)), c.stdout
    # the visible checks alone: the Starting score the handout states
    start = re.search(r"^\*\*Starting score: (\d+) / (\d+)\*\*$",
                      (LAB / "README.md").read_text(), re.M)
    hidden = {cid for cid, (_, h) in rubric().items() if h}
    visible = sum(t["score"] for cid, t in by_id(r).items() if cid not in hidden)
    assert visible == int(start.group(1)), r
    assert_other_formats(autograder / "results", r)


def assert_other_formats(folder, r):
    """junit.xml, results.tap and summary.txt beside results.json, with its checks
    and its score."""
    ids = [t["extra_data"]["id"] for t in r["tests"]]
    # a skipped check is a failed test scoring 0 in Gradescope's words, a skip
    # in JUnit's and TAP's
    failed = {t["extra_data"]["id"] for t in r["tests"]
              if t["extra_data"]["outcome"] in ("fail", "error")}
    skipped = {t["extra_data"]["id"] for t in r["tests"] if t["extra_data"]["outcome"] == "skip"}
    suite = ET.parse(folder / "junit.xml").getroot().find("testsuite")
    assert [c.get("name") for c in suite.iter("testcase")] == ids
    assert {c.get("name") for c in suite.iter("testcase")
            if c.find("failure") is not None or c.find("error") is not None} == failed
    assert {c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None} == \
        skipped
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["score"] == str(r["score"]), props
    summary = (folder / "summary.txt").read_text()
    assert f"score: {r['score']} / {r['extra_data']['max_score']}\n" in summary, summary
    tap = (folder / "results.tap").read_text()
    assert tap.startswith(f"TAP version 14\n1..{len(ids)}\n"), tap[:200]
    if not have("prove"):
        return
    # Debian 12's prove (Test::Harness 3.44) knows TAP up to version 13: it
    # reads every test point and reports the version line as its one parse error
    p = subprocess.run(["prove", "-v", "-e", "cat", str(folder / "results.tap")],
                       capture_output=True, text=True, timeout=60)
    assert f"Tests: {len(ids)} Failed: {len(failed)})" in p.stdout, p.stdout
    errors = re.findall(r"Parse errors: (.*)", p.stdout)
    assert errors in ([], ["TAP specified version 14 but we don't know about versions "
                           "later than 13"]), p.stdout


@needs_root
def test_a_submission_that_does_not_build_keeps_grades_results(autograder, tmp_path):
    """grade's own results.json: every check a failed test scoring 0 and saying
    the build failed, the compiler's words in the output."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "server.c").write_text("int main(void) { return syntax error; }\n")
    submit(autograder, folder)
    p, r = run_autograder(autograder)
    assert_gradescope_shape(r)
    assert r["score"] == 0 and r["extra_data"]["status"] == "build failed", r["extra_data"]
    assert set(by_id(r)) == set(rubric())
    for t in r["tests"]:
        assert (t["score"], t["status"]) == (0, "failed"), t
        assert t["output"].startswith("skipped: the program did not build"), t
    assert "The program did not build" in r["output"] and "syntax" in r["output"], r["output"]
    assert_other_formats(autograder / "results", r)


@needs_root
def test_a_submission_in_one_folder_is_found_and_graded(autograder, tmp_path):
    """A student who uploads a zip of their folder: Gradescope unpacks it as
    submission/FOLDER/; run_autograder grades that folder."""
    submit(autograder, solution_copy(tmp_path), inside="my-lab2")
    p, r = run_autograder(autograder)
    assert_gradescope_shape(r)
    assert r["score"] == sum(pts for pts, _ in rubric().values()), p.stdout[-3000:]


# --- when it cannot grade ---------------------------------------------------

def no_namespaces_wrapper():
    """A user namespace whose limits allow no new network or user namespace:
    the kernel itself refuses unshare(CLONE_NEWNET), as it does on a machine
    with user.max_net_namespaces = 0 (ENOSPC) or in a container denied
    CAP_SYS_ADMIN (EPERM).  Nothing is faked: bindlab doctor runs unchanged
    and finds that it cannot run, and the host's own limits are untouched
    (a user namespace's limits bind only it and its children)."""
    if not have("unshare"):
        pytest.skip("no unshare(1) (util-linux) to make a user namespace")
    probe = subprocess.run(["unshare", "-U", "-r", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"this kernel refuses user namespaces here: {probe.stderr.strip()}")
    return ["unshare", "-U", "-r", "sh", "-c",
            'echo 0 > /proc/sys/user/max_net_namespaces && '
            'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0"']


def assert_not_graded(r, reason, *texts):
    assert_gradescope_shape(r)
    assert r["score"] == 0 and r["tests"] == [], r
    assert r.get("extra_data", {}).get("graded") is False, r
    assert r["extra_data"].get("reason") == reason, r
    assert r["output"].startswith("This submission was not graded"), r["output"]
    assert "this 0 is not a mark" in r["output"], r["output"]
    for t in texts:
        assert t in r["output"], f"{t!r} not in:\n{r['output']}"


def test_no_namespaces_means_not_graded_and_says_why(autograder, tmp_path):
    submit(autograder, solution_copy(tmp_path))
    p, r = run_autograder(autograder, wrap=no_namespaces_wrapper(), timeout=120)
    assert_not_graded(r, "environment", "cannot create the network namespaces",
                      "bindlab doctor said:",
                      "root: refused: cannot create a network namespace: No space left on device",
                      "verdict: bindlab cannot run here")
    # grading never started: none of its other files
    assert sorted(p.name for p in (autograder / "results").iterdir()) == ["results.json"]
    assert "$ bindlab grade" not in p.stdout


def test_no_bindlab_means_not_graded(built_source, tmp_path):
    root = world_readable_tempdir("autograder-")
    try:
        shutil.copytree(built_source, root / "source", symlinks=True,
                        ignore=shutil.ignore_patterns("build"))
        (root / "submission").mkdir()
        submit(root, solution_copy(tmp_path))
        p, r = run_autograder(root, timeout=60)
        assert_not_graded(r, "autograder", "bindlab was not built", "setup.sh failed")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@needs_root
def test_grading_stopped_at_the_deadline_keeps_grades_incomplete_results(autograder, tmp_path):
    """A build that outlasts the whole deadline (the build's own bound is 60 s):
    run_autograder stops grade, which writes the grade so far; that is kept:
    status incomplete, every check that never ran a failed test saying why."""
    folder = tmp_path / "slow"
    folder.mkdir()
    # 30 s, no more: a build grade stopped midway is left running until it ends
    (folder / "Makefile").write_text("server:\n\tsleep 30\n")
    submit(autograder, folder)
    p, r = run_autograder(autograder, timeout=120, BINDLAB_GRADE_DEADLINE="3")
    assert "run_autograder: stopped bindlab grade at the deadline (3 s)" in p.stdout, p.stdout
    assert_gradescope_shape(r)
    extra = r["extra_data"]
    assert (extra["status"], extra["why"]) == ("incomplete", "grading was interrupted (Terminated)"), \
        extra
    assert r["score"] == 0 and set(by_id(r)) == set(rubric()), r
    for t in r["tests"]:
        assert (t["score"], t["status"], t["extra_data"]["outcome"]) == (0, "failed", "error"), t
        assert t["output"].startswith("not run: grading was interrupted (Terminated)"), t
    assert "Grading stopped before every check ran" in r["output"], r["output"]


# --- the GitHub Actions workflow -------------------------------------------

def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps_of(wf):
    (job,) = wf["jobs"].values()
    return job, job["steps"]


def test_the_workflow_grades_each_push_on_its_own_runner():
    wf = workflow()
    # YAML 1.1 reads a bare `on` key as true
    on = wf.get("on", wf.get(True))
    assert on is not None and "push" in on, on
    job, steps = steps_of(wf)
    assert job["runs-on"] == "ubuntu-latest"
    names = [s.get("name") for s in steps]
    assert all(names), f"a step without a name: {steps}"
    want = ["Check the pin", "Check out the submission", "Check out bindlab",
            "Install the packages bindlab needs", "Build bindlab", "Grade", "Write the summary",
            "Upload the results", "Pass or fail"]
    assert names == want, names
    step = dict(zip(names, steps))
    assert step["Check out bindlab"]["with"]["ref"] == "${{ env.BINDLAB_REF }}"
    assert "sudo apt-get install" in step["Install the packages bindlab needs"]["run"].replace(
        "sudo DEBIAN_FRONTEND=noninteractive apt-get", "sudo apt-get")
    grade = step["Grade"]["run"]
    assert re.search(r'sudo bindlab/build/bindlab grade "\$LAB" submission --out results', grade)
    assert "GITHUB_STEP_SUMMARY" in step["Write the summary"]["run"]
    for s in ("Write the summary", "Upload the results"):
        assert step[s].get("if") == "always()", s
    assert step["Upload the results"]["uses"].startswith("actions/upload-artifact@")
    assert step["Upload the results"]["with"]["path"] == "results/"
    # below full marks fails the job only when the instructor asks
    assert "REQUIRE_FULL_MARKS" in wf["env"]
    verdict = step["Pass or fail"]["run"]
    assert '"$REQUIRE_FULL_MARKS" = true' in verdict


def shell_blocks():
    """Every run: block of the workflow as a bash script (GitHub runs them
    with bash -e -o pipefail), its ${{ }} expressions made plain words."""
    _, steps = steps_of(workflow())
    for s in steps:
        if "run" in s:
            body = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", s["run"])
            yield s["name"], "#!/usr/bin/env bash\nset -eo pipefail\n" + body


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_gradescope_script_passes_bash_n_and_shellcheck(script):
    assert script.read_text().startswith("#!/usr/bin/env bash\n")
    assert os.access(script, os.X_OK), f"{script} is not executable"
    p = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    if not have("shellcheck"):
        pytest.skip("no shellcheck (apt-get install shellcheck)")
    p = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout


def test_the_workflows_shell_passes_bash_n_and_shellcheck(tmp_path):
    blocks = list(shell_blocks())
    assert len(blocks) >= 5
    for name, text in blocks:
        f = tmp_path / (re.sub(r"\W+", "-", name) + ".sh")
        f.write_text(text)
        p = subprocess.run(["bash", "-n", str(f)], capture_output=True, text=True)
        assert p.returncode == 0, f"{name}: {p.stderr}"
        if have("shellcheck"):
            p = subprocess.run(["shellcheck", "-s", "bash", str(f)], capture_output=True,
                               text=True)
            assert p.returncode == 0, f"{name}:\n{p.stdout}"
    if not have("shellcheck"):
        pytest.skip("no shellcheck (apt-get install shellcheck): bash -n only")
