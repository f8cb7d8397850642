"""A student needs no sudo: as a normal user, bindlab runs inside a user
namespace it creates, where the kernel allows unprivileged ones."""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT

NOBODY = 65534


def unprivileged_userns_allowed():
    try:
        p = subprocess.run(["unshare", "-Urn", "true"], capture_output=True,
                           preexec_fn=lambda: (os.setgid(NOBODY), os.setuid(NOBODY)))
    except (OSError, subprocess.SubprocessError):
        return False
    return p.returncode == 0


@pytest.fixture
def nobody_dir(bindlab):
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged uid")
    d = tempfile.mkdtemp(prefix="bindlab-rootless-")
    try:
        os.chmod(d, 0o755)
        shutil.copy(bindlab, d)
        shutil.copytree(ROOT / "scenarios", os.path.join(d, "scenarios"))
        for dirpath, dirs, files in os.walk(d):
            for x in dirs + files:
                os.chmod(os.path.join(dirpath, x), 0o755)
        yield d
    finally:
        shutil.rmtree(d)


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def test_demo_runs_as_an_unprivileged_user(nobody_dir, clean_host):
    if not unprivileged_userns_allowed():
        pytest.skip("this kernel refuses unprivileged user namespaces")
    p = subprocess.run([os.path.join(nobody_dir, "bindlab"), "run", "--no-color",
                        "scenarios/timewait/server-closes-first.scn"], cwd=nobody_dir,
                       capture_output=True, text=True, preexec_fn=as_nobody, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "rootless (user namespace)" in p.stdout
    assert "PASS scenarios/timewait/server-closes-first.scn" in p.stdout


def test_doctor_says_which_modes_work(bindlab):
    p = subprocess.run([bindlab, "doctor"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    if os.geteuid() == 0:
        assert lines[0] == "root: works"
    rootless = "works" if unprivileged_userns_allowed() else "refused: "
    assert lines[1].startswith(f"rootless (user namespace): {rootless}")
    assert lines[2] == "verdict: bindlab can run here"


def test_a_lab_check_runs_as_an_unprivileged_user(bindlab, tmp_path, clean_host):
    """A student on a lab machine: no sudo, their own folder, a whole check
    (build, run, restart, traced calls) inside a user namespace."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged uid")
    if not unprivileged_userns_allowed():
        pytest.skip("this kernel refuses unprivileged user namespaces")
    lab = "02-rapid-restart"
    if not (ROOT / "labs" / lab).is_dir():
        pytest.skip(f"no labs/{lab}")
    d = tempfile.mkdtemp(prefix="bindlab-rootless-lab-")
    try:
        os.chmod(d, 0o755)
        os.makedirs(os.path.join(d, "build"))
        shutil.copy(bindlab, os.path.join(d, "build"))
        shutil.copy(os.path.join(os.path.dirname(bindlab), "libbindlab-trace.so"),
                    os.path.join(d, "build"))
        shutil.copytree(ROOT / "labs", os.path.join(d, "labs"),
                        ignore=shutil.ignore_patterns("server", "client"))
        me = os.path.join(d, "me")
        shutil.copytree(ROOT / "labs" / lab / "starter", me,
                        ignore=shutil.ignore_patterns("server"))
        subprocess.run(["patch", "-s", "-p1", "-d", me, "-i",
                        str(ROOT / "staff" / lab / "solution" / "change.patch")], check=True)
        for dirpath, dirs, files in os.walk(d):
            for x in dirs + files:
                os.chmod(os.path.join(dirpath, x), 0o755)
        for dirpath, dirs, files in os.walk(me):
            for x in [dirpath] + [os.path.join(dirpath, f) for f in files]:
                os.chown(x, NOBODY, NOBODY)
        p = subprocess.run([os.path.join(d, "build", "bindlab"), "check", "--no-color", "2",
                            me], cwd=d, capture_output=True, text=True, preexec_fn=as_nobody,
                           env={"PATH": os.environ["PATH"], "HOME": me}, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        assert os.stat(os.path.join(me, "server")).st_uid == NOBODY
        score = [line for line in p.stdout.splitlines() if line.startswith("score: ")]
        total = score[0].split("/")[1].strip()
        assert score == [f"score: {total} / {total}"], p.stdout
    finally:
        shutil.rmtree(d)


def test_a_walkthrough_step_that_needs_root_is_skipped_rootless(nobody_dir, clean_host):
    """Lab 07's last step needs a second uid: rootless, it is skipped by name
    and keeps its number."""
    if not unprivileged_userns_allowed():
        pytest.skip("this kernel refuses unprivileged user namespaces")
    shutil.copytree(ROOT / "labs" / "07-reuseport-handover", os.path.join(
        nobody_dir, "labs", "07-reuseport-handover"))
    for dirpath, dirs, files in os.walk(nobody_dir):
        for x in dirs + files:
            os.chmod(os.path.join(dirpath, x), 0o755)
    n = len(list((ROOT / "labs" / "07-reuseport-handover" / "walkthrough").glob("*.scn")))
    p = subprocess.run([os.path.join(nobody_dir, "bindlab"), "lab", "--no-color", "--labs",
                        os.path.join(nobody_dir, "labs"), "7"], cwd=nobody_dir,
                       capture_output=True, text=True, preexec_fn=as_nobody, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr
    assert "skipped: it needs root (a second uid exists only there)" in p.stdout
    assert f"== step {n} of {n}: " in p.stdout
