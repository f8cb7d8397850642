"""`bindlab lab` and `bindlab check` on the fixture lab of tests/fixtures/labs/:
the student's program is built and run for real, and a program that does not
build, crashes, hangs, spins, floods, never listens or listens elsewhere gets
a clear check failure in bounded time, never a hang of bindlab, and leaves
nothing behind."""
import os
import re
import shutil
import signal
import subprocess

import pytest

from conftest import ROOT, host_snapshot, wait_for

FIXTURE = ROOT / "tests" / "fixtures" / "labs"
LABS = FIXTURE / "labs"
STARTER = LABS / "01-echo" / "starter"
BAD = FIXTURE / "bad"
LINE = re.compile(r"^(PASS|FAIL|ERROR)\s+(\S+)\s+(\d+)/(\d+)\s+(.*)$")


def check(bindlab, folder=None, *extra, timeout=120):
    argv = [bindlab, "check", "--no-color", "--labs", str(LABS), *extra, "1"]
    if folder:
        argv.append(str(folder))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    checks = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            checks[m.group(2)] = (m.group(1), int(m.group(3)), int(m.group(4)))
    score = re.search(r"^score: (\d+) / (\d+)$", p.stdout, re.M)
    return p, checks, (int(score.group(1)), int(score.group(2))) if score else None


def student(tmp_path, source, name="student"):
    """A student's folder: the starter's Makefile and source as server.c."""
    d = tmp_path / name
    d.mkdir()
    shutil.copy(STARTER / "Makefile", d)
    shutil.copy(source, d / "server.c")
    return d


def test_the_starter_passes_and_exit_status_is_0_at_full_marks(bindlab, tmp_path, clean_host):
    p, checks, score = check(bindlab, student(tmp_path, STARTER / "server.c"))
    assert p.returncode == 0, p.stdout + p.stderr
    assert checks == {"01-echoes": ("PASS", 2, 2), "02-restarts": ("PASS", 3, 3)}
    assert score == (5, 5)
    assert p.stdout.rstrip().endswith("2 passed, 0 failed")
    assert "built    make server (in " in p.stdout


def test_hidden_checks_come_from_the_staff_folder(bindlab, tmp_path, clean_host):
    p, checks, score = check(bindlab, student(tmp_path, STARTER / "server.c"), "--hidden")
    assert p.returncode == 0, p.stdout + p.stderr
    assert checks["01-no-reuseport"] == ("PASS", 1, 1)
    assert score == (6, 6)
    assert "the server does not use SO_REUSEPORT (hidden)" in p.stdout


def test_without_a_folder_it_checks_the_starter(bindlab, tmp_path, clean_host):
    labs = tmp_path / "labs"
    shutil.copytree(LABS, labs)
    p = subprocess.run([bindlab, "check", "--no-color", "--labs", str(labs), "01-echo"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"(in {labs / '01-echo' / 'starter'})" in p.stdout
    assert (labs / "01-echo" / "starter" / "server").exists()


# A student's program of each kind, what each check must say about it.
BAD_CASES = {
    "crashes": ["ended by itself: signal 11 (SIGSEGV)", "stderr | starting",
                "timed out: *:8080 on host 'server' LISTEN within 2000 ms"],
    "never-listens": ["ended by itself: exit status 0",
                      "timed out: *:8080 on host 'server' LISTEN within 2000 ms"],
    "hangs": ["still running at the end: killed with the world",
              "timed out: *:8080 on host 'server' LISTEN within 2000 ms"],
    "busy-loops": ["timed out: *:8080 on host 'server' LISTEN within 2000 ms"],
    "wrong-port": ["timed out: *:8080 on host 'server' LISTEN within 2000 ms"],
    "no-reply": ['expected "ping\\n"; the call did not return within 2000 ms'],
    "floods": ['expected "ping\\n"; the call did not return within 2000 ms',
               "stderr | yyyyyyyy"],
}


@pytest.mark.parametrize("kind", sorted(BAD_CASES))
def test_a_broken_program_fails_its_checks_clearly(bindlab, tmp_path, kind, clean_host):
    p, checks, score = check(bindlab, student(tmp_path, BAD / f"{kind}.c"), "--timeout", "2s")
    assert p.returncode == 1, p.stdout + p.stderr
    assert checks["01-echoes"] == ("FAIL", 0, 2), p.stdout
    assert checks["02-restarts"] == ("FAIL", 0, 3), p.stdout
    assert score == (0, 5)
    for text in BAD_CASES[kind]:
        assert text in p.stdout, p.stdout
    # each failure says where, gives the hint and the command that replays it
    assert "hint: write back the bytes you read" in p.stdout
    assert re.search(r"replay: \S+bindlab run \S+/01-echoes\.scn --set SERVER=\S+/server -v",
                     p.stdout), p.stdout
    # a flood is cut, never kept whole
    assert max(len(line) for line in p.stdout.splitlines()) < 400


def test_a_program_that_does_not_build_scores_nothing_and_shows_the_compiler(
        bindlab, tmp_path, clean_host):
    p, checks, score = check(bindlab, student(tmp_path, BAD / "does-not-compile.c"))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "FAIL  build: the build failed (make: exit status 2)" in p.stdout
    assert re.search(r"\| server\.c:4:\d+: error: expected .;. before .}. token", p.stdout)
    assert score == (0, 5)
    assert p.stdout.rstrip().endswith("0 passed, 2 failed")


def test_a_folder_without_makefile_is_built_with_cc(bindlab, tmp_path, clean_host):
    d = tmp_path / "plain"
    d.mkdir()
    shutil.copy(STARTER / "server.c", d)
    p, checks, score = check(bindlab, d)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"built    cc -Wall -Wextra -O2 -o server *.c (in {d})" in p.stdout


def test_a_server_that_ignores_sigterm_is_killed_and_bindlab_goes_on(bindlab, tmp_path,
                                                                      clean_host):
    p, checks, score = check(bindlab, student(tmp_path, BAD / "ignores-sigterm.c"), "-v")
    # stop() sends SIGTERM, waits its grace period, then SIGKILL: the port is free
    assert "stopped: ended by signal 9 (SIGKILL), sent by bindlab after the grace period" in p.stdout
    assert checks["02-restarts"][0] == "PASS", p.stdout


def test_a_static_binary_is_told_it_cannot_be_traced(bindlab, tmp_path, clean_host):
    d = tmp_path / "static"
    d.mkdir()
    shutil.copy(STARTER / "server.c", d)
    (d / "Makefile").write_text("server: server.c\n\t$(CC) -static -o $@ server.c\n")
    p, checks, score = check(bindlab, d)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "is a static binary: bindlab cannot trace its socket calls" in p.stdout
    assert checks["02-restarts"][0] == "FAIL"
    assert "cannot tell: the program is not traced (see its note)" in p.stdout


def test_bad_arguments_are_one_line_and_status_2(bindlab, tmp_path):
    for argv, text in [
        (["check", "--labs", str(LABS), "7"], "bindlab: no lab '7' under"),
        (["check", "--labs", str(LABS), "1", str(tmp_path / "nope")], "cannot open"),
        (["check", "--labs", str(tmp_path / "none"), "1"], "bindlab: no labs folder at"),
        (["check"], "bindlab: check needs a lab number"),
        (["lab", "--labs", str(LABS), "9"], "bindlab: no lab '9' under"),
    ]:
        p = subprocess.run([bindlab, *argv], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (argv, p.stdout, p.stderr)
        assert text in p.stderr, (argv, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_a_check_without_points_is_bad_input(bindlab, tmp_path):
    labs = tmp_path / "labs"
    shutil.copytree(LABS, labs)
    scn = labs / "01-echo" / "checks" / "01-echoes.scn"
    scn.write_text(scn.read_text().replace("# points: 2\n", ""))
    p = subprocess.run([bindlab, "check", "--labs", str(labs), "1"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2
    assert p.stderr.strip() == f"{scn}:1:1: a check needs a '# points: N' line (0 to 100)"


def test_lab_lists_the_labs_and_walks_through_one(bindlab, clean_host):
    p = subprocess.run([bindlab, "lab", "--labs", str(LABS)], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].split() == ["1", "01-echo", "Echo", "(1", "min)"]
    p = subprocess.run([bindlab, "lab", "--no-color", "--labs", str(LABS), "1"],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "== step 1 of 1: Can a second server start on a port the first one listens on?" \
        in p.stdout
    assert "answer: No: EADDRINUSE" in p.stdout
    assert "bind(s2, 10.0.0.1:8080) = -1 EADDRINUSE" in p.stdout
    # no terminal: no pause prompt
    assert "Enter for the next one" not in p.stdout
    assert p.stdout.rstrip().endswith("build/bindlab check 1")


@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_a_check_killed_midway_leaves_nothing(bindlab, tmp_path, how, clean_host):
    """Ctrl-C reaches the whole foreground process group: bindlab, its
    runners, the student's build.  SIGKILL (the laptop's OOM killer) reaches
    bindlab alone: its runners die with it, and every world and program
    with them."""
    d = student(tmp_path, BAD / "hangs.c")
    tmp_before = set(os.listdir("/tmp"))
    p = subprocess.Popen([bindlab, "check", "--no-color", "--labs", str(LABS), "1", str(d)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        # a world exists: a runner in a network namespace of its own
        own = os.readlink("/proc/self/ns/net")

        def world():
            for pid in host_snapshot()["procs"]:
                try:
                    if os.readlink(f"/proc/{pid}/ns/net") != own:
                        return True
                except OSError:
                    pass
            return False
        wait_for(world, timeout=30, what="a check's world")
    finally:
        if how == "ctrl-c":
            os.killpg(p.pid, signal.SIGINT)
        else:
            os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=30)
    assert p.returncode != 0
    wait_for(lambda: not in_session(p.pid), what="every process of the check to die")
    wait_for(lambda: not programs_under(tmp_path), what="the student's programs to die")
    assert set(os.listdir("/tmp")) - tmp_before == set()


def in_session(sid):
    """Processes of session sid (bindlab started a session of its own)."""
    out = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[4]) == sid:
                    out.append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    return out


def programs_under(folder):
    """Processes running a program from folder (the student's)."""
    out = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink(f"/proc/{pid}/exe").startswith(str(folder)):
                out.append(int(pid))
        except OSError:
            pass
    return out


def test_on_a_terminal_the_walkthrough_waits_for_enter(bindlab, tmp_path):
    """Enter goes on to the next step, q stops; both ends must be a terminal."""
    import pty
    import select

    labs = tmp_path / "labs"
    shutil.copytree(LABS, labs)
    walk = labs / "01-echo" / "walkthrough"
    shutil.copy(walk / "01-second-instance.scn", walk / "02-again.scn")
    shutil.copy(walk / "01-second-instance.scn", walk / "03-once-more.scn")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(bindlab, [bindlab, "lab", "--no-color", "--labs", str(labs), "1"])
    out = b""

    def read_until(text, timeout=60):
        nonlocal out
        import time
        deadline = time.monotonic() + timeout
        while text.encode() not in out:
            left = deadline - time.monotonic()
            assert left > 0, out.decode(errors="replace")[-2000:]
            if select.select([fd], [], [], left)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
    try:
        read_until("[step 1 of 3 done: Enter for the next one, q to stop]")
        assert b"== step 2 of 3" not in out
        os.write(fd, b"\n")
        read_until("[step 2 of 3 done: Enter for the next one, q to stop]")
        os.write(fd, b"q\n")
        read_until("Your turn:")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.WEXITSTATUS(status) == 0
    assert b"== step 3 of 3" not in out


def test_a_walkthrough_step_the_kernel_disagrees_with_is_reported(bindlab, tmp_path):
    labs = tmp_path / "labs"
    shutil.copytree(LABS, labs)
    walk = labs / "01-echo" / "walkthrough"
    (walk / "02-wrong.scn").write_text(
        "# question: does a second bind of one address succeed?\n"
        "# answer: (a lab that got it wrong)\n"
        "host server 10.0.0.1\n"
        "server: a = socket(tcp)\n"
        "server: bind(a, 10.0.0.1:8080)\n"
        "server: listen(a)\n"
        "server: b = socket(tcp)\n"
        "server: bind(b, 10.0.0.1:8080) = 0\n")
    (walk / "03-slow.scn").write_text(
        "# question: a minute of TIME_WAIT?\n# answer: yes\n# slow: waits 60 s\n"
        "host server 10.0.0.1\nserver: a = socket(tcp)\n")
    p = subprocess.run([bindlab, "lab", "--no-color", "--labs", str(labs), "1"],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "== step 2 of 3: does a second bind of one address succeed?" in p.stdout
    assert ("This kernel did not do what the lab expects (see above): please tell your "
            "instructor, with `uname -r`.") in p.stdout
    assert "(a lab that got it wrong)" not in p.stdout
    assert "== step 3 of 3: a minute of TIME_WAIT?\nskipped: it waits out a real kernel " \
        "timer (--slow runs it)" in p.stdout
