"""A run killed at any moment, even by SIGKILL, leaves nothing on the host:
no namespace, no veth, no process, no temp file.  Each test kills bindlab at
a point defined by an event of the run (seen in /proc), never by a timer."""
import os
import signal
import subprocess

import pytest

from conftest import ROOT, host_snapshot, wait_for

# A scenario that sits in a bounded wait long enough to be killed in it.
LONG = """\
host server 10.0.0.1
host client 10.0.0.2
server: s = socket(tcp)
server: bind(s, 10.0.0.1:8080)
server: listen(s)
client: c = socket(tcp)
client: connect(c, 10.0.0.1:8080)
wait until socket server 10.0.0.1:9 LISTEN within 60s
"""


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(p))
    return out


def descendants(pid):
    todo, seen = [pid], []
    while todo:
        for c in children(todo.pop()):
            seen.append(c)
            todo.append(c)
    return seen


def own_netns():
    return os.readlink("/proc/self/ns/net")


def in_other_netns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/net") != own_netns()
    except OSError:
        return False


def packet_sockets(pid):
    try:
        with open(f"/proc/{pid}/net/packet") as f:
            return len(f.read().splitlines()) - 1
    except OSError:
        return 0


POINTS = {
    "at-once": lambda p: True,
    "runner-forked": lambda p: children(p),
    "world-built": lambda p: any(in_other_netns(c) for c in children(p)),
    "capture-open": lambda p: any(packet_sockets(c) > 0 for c in children(p)),
    "actors-running": lambda p: len(descendants(p)) >= 4,  # runner, reaper, 2 actors
}


def start(bindlab, scn, *extra):
    return subprocess.Popen([bindlab, "run", "--no-color", *extra, str(scn)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("point", list(POINTS))
def test_sigkill_leaves_nothing(bindlab, tmp_path, point, clean_host):
    scn = tmp_path / "long.scn"
    scn.write_text(LONG)
    tmp_before = set(os.listdir("/tmp"))
    p = start(bindlab, scn)
    try:
        wait_for(lambda: POINTS[point](p.pid), what=point)
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate()
    # clean_host checks processes, namespaces and veths after the test
    wait_for(lambda: not [c for c in host_snapshot()["procs"] if c not in clean_host["procs"]],
             what="bindlab processes to die")
    assert set(os.listdir("/tmp")) - tmp_before == set()


def test_sigkill_with_parallel_runs_leaves_nothing(bindlab, tmp_path, clean_host):
    for i in range(3):
        (tmp_path / f"long{i}.scn").write_text(LONG)
    p = start(bindlab, tmp_path, "-j", "3")
    try:
        wait_for(lambda: len(descendants(p.pid)) >= 12, what="three worlds with their actors")
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate()


def test_killing_a_runner_is_reported_as_an_error(bindlab, tmp_path, clean_host):
    scn = tmp_path / "long.scn"
    scn.write_text(LONG)
    p = start(bindlab, scn)
    runner = wait_for(lambda: [c for c in children(p.pid) if in_other_netns(c)],
                      what="the runner's world")[0]
    os.kill(runner, signal.SIGKILL)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 2
    assert f"ERROR {scn}: the runner died (signal 9) before reporting" in out.decode()
