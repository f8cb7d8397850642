"""Real programs under bindlab: run() in a scenario (output captured, calls
traced, crashes, hangs and floods survived) and `bindlab restart-check`
against small C servers and two server programs from Debian packages."""
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, host_snapshot, validate_report, wait_for

SERVER = str(ROOT / "build/servers/server")


def scenario(tmp_path, body):
    p = tmp_path / "prog.scn"
    p.write_text("host server 10.0.0.1\nhost client 10.0.0.2\n" + body)
    return p


def test_a_program_is_traced_and_its_output_kept(run, tmp_path):
    scn = scenario(tmp_path, f"""\
server: p = run("{SERVER}", "--reuseaddr", "8080")
expect traced p setsockopt(SO_REUSEADDR, 1) before bind(*:8080)
expect traced p bind(*:8080) = 0
wait until socket server *:8080 LISTEN
client: c = socket(tcp)
client: connect(c, 10.0.0.1:8080) = 0
client: recv(c, 100) = 6
server: stop(p) = 0
""")
    r = run(scn)
    assert r.rc == 0, r
    calls = [e["text"] for e in r.run["events"] if e["kind"] == "traced"]
    assert calls[:4] == ["socket(AF_INET, SOCK_STREAM) = 3", "setsockopt(3, SO_REUSEADDR, 1) = 0",
                         "bind(3, 0.0.0.0:8080) = 0", "listen(3) = 0"]
    assert "accept(3) = 4" in calls and calls[-1] == "exit"
    (prog,) = r.run["programs"]
    assert prog["traced"] is True
    assert prog["stdout"] == "listening on port 8080\nstopped\n"


def test_a_failed_bind_of_a_program_is_explained(run, tmp_path):
    scn = scenario(tmp_path, f"""\
server: s = socket(tcp)
server: bind(s, 0.0.0.0:8080) = 0
server: listen(s) = 0
server: p = run("{SERVER}", "8080")
expect traced p bind(*:8080) = -1 EADDRINUSE
""")
    r = run(scn)
    assert r.rc == 0, r
    (ev,) = [e for e in r.run["events"] if e["kind"] == "traced" and e["call"] == "bind"]
    (way,) = ev["in_the_way"]
    assert way["socket"]["state"] == "LISTEN" and way["proc"] == "server"
    assert "SO_REUSEADDR never lets" in way["why"]


def test_crash_hang_and_flood_do_not_break_the_run(run, tmp_path):
    scn = scenario(tmp_path, """\
server: crash = run("sh", "-c", "kill -SEGV $$")
server: hang = run("sh", "-c", "trap '' TERM; while :; do sleep 1; done")
server: flood = run("sh", "-c", "head -c 1000000 /dev/zero | tr '\\\\0' x; sleep 60")
server: wait(crash) = 139
server: stop(hang, 200ms) = 137
server: stop(flood, 200ms) = 143
""")
    r = run(scn)
    assert r.rc == 0, r
    flood = r.run["programs"][2]
    assert len(flood["stdout"]) == 16384 and flood["dropped"] > 0
    assert "more bytes of output, not kept" in r.out
    assert "ended by itself: signal 11" in r.out
    assert "stopped: ended by signal 9 (SIGKILL), sent by bindlab after the grace period" in r.out


def test_a_static_binary_runs_untraced_and_the_report_says_so(run, tmp_path):
    scn = scenario(tmp_path, f"""\
server: p = run("{ROOT}/build/servers/server-static", "8080")
wait until socket server *:8080 LISTEN
server: stop(p) = 0
""")
    r = run(scn)
    assert r.rc == 0, r
    assert r.run["programs"][0]["traced"] is False
    assert "not traced: a static binary: LD_PRELOAD cannot trace it" in r.out
    assert not [e for e in r.run["events"] if e["kind"] == "traced"]


def test_sigkill_of_bindlab_ends_its_programs(bindlab, tmp_path, clean_host):
    scn = scenario(tmp_path, """\
server: p = run("sleep", "314.15")
wait until socket server 10.0.0.1:9 LISTEN within 60s
""")
    def sleepers():
        out = []
        for pid in os.listdir("/proc"):
            try:
                if open(f"/proc/{pid}/cmdline", "rb").read() == b"sleep\x00314.15\x00":
                    out.append(pid)
            except OSError:
                pass
        return out

    p = subprocess.Popen([bindlab, "run", str(scn)], cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_for(sleepers, what="the program to start")
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    wait_for(lambda: not sleepers(), what="the program to end with the world")



def restart_check(bindlab, *cmd, port=None):
    with tempfile.TemporaryDirectory() as d:
        report = Path(d) / "report.json"
        argv = [bindlab, "restart-check", "--json", str(report)]
        if port:
            argv += ["--port", str(port)]
        p = subprocess.run(argv + ["--", *cmd], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
        # a check that ran writes its report, whatever its verdict
        if p.returncode in (0, 1):
            env = validate_report(report)
            assert env["restart_check"]["verdict"] == ("ok" if p.returncode == 0 else "failed")
    return p.returncode, p.stdout


@pytest.mark.parametrize("flags,rc,why", [
    ([], 1, "a TIME_WAIT socket holds the port"),
    (["--reuseaddr"], 0, None),
    (["--no-close"], 1, "a TIME_WAIT socket holds the port"),
    (["--reuseaddr", "--fork-keeper"], 1, "a LISTEN socket on the same address holds the port"),
])
def test_restart_check_on_small_servers(bindlab, flags, rc, why):
    got, out = restart_check(bindlab, SERVER, *flags, "8080")
    assert got == rc, out
    if rc == 0:
        assert "restart-check: OK: " in out
    else:
        assert "restart-check: FAILED: the restarted" in out
        assert why in out


def test_restart_check_on_python_http_server(bindlab):
    # socketserver sets SO_REUSEADDR (allow_reuse_address): the restart binds
    rc, out = restart_check(bindlab, "python3", "-m", "http.server", "8080")
    assert rc == 0, out
    assert "setsockopt(3, SO_REUSEADDR, 1) = 0" in out


@pytest.mark.skipif(not shutil.which("socat"), reason="socat is not installed")
@pytest.mark.parametrize("opts,rc", [("", 1), (",reuseaddr", 0)])
def test_restart_check_on_socat(bindlab, opts, rc):
    # socat sets SO_REUSEADDR only when told to: the kernel decides the rest.
    # Its child reads the client's line before answering: a child that closed
    # with the line unread would reset the connection (no TIME_WAIT at all)
    # or not, depending on when the line arrived.
    got, out = restart_check(bindlab, "socat", f"TCP-LISTEN:8080,fork{opts}",
                             "SYSTEM:read l; echo hi")
    assert got == rc, out


def test_restart_check_finds_the_port_from_the_trace(bindlab):
    rc, out = restart_check(bindlab, SERVER, "--reuseaddr", "9123")
    assert rc == 0, out
    assert "listens on port 9123 again" in out


def test_restart_check_needs_a_port_for_a_static_binary(bindlab):
    rc, out = restart_check(bindlab, str(ROOT / "build/servers/server-static"), "9124")
    assert rc == 2
    rc, out = restart_check(bindlab, str(ROOT / "build/servers/server-static"), "--reuseaddr",
                            "9124", port=9124)
    assert rc == 0, out


def test_an_option_set_after_bind_does_not_count_as_before(run, tmp_path):
    late = ("import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 8080)); "
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.listen(); time.sleep(30)")
    scn = scenario(tmp_path, f"""\
server: p = run("python3", "-c", "{late}")
expect traced p listen() = 0
expect traced p setsockopt(SO_REUSEADDR, 1) = 0
expect traced p setsockopt(SO_REUSEADDR, 1) before bind(*:8080) within 200ms
""")
    r = run(scn)
    assert r.rc == 1, r
    assert f"FAIL {scn}:6: expect traced p setsockopt(SO_REUSEADDR, 1) before bind(*:8080)" in r.out
