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
        for f in (ROOT / "staff" / lab / "solution").iterdir():
            shutil.copy(f, me)
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
