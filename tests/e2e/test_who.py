"""`bindlab who` against sockets held by real processes, in a network
namespace of the test's own (unshare -n): the host is only read, never
changed."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

# Runs inside `unshare -n`: a real process (this python) holds a listener on
# 8080 and leaves a TIME_WAIT on 9090, then asks bindlab about both ports.
HOLDER = textwrap.dedent("""
    import json, socket, subprocess, sys, time
    bindlab = sys.argv[1]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", 8080)); lst.listen()
    srv = socket.socket(); srv.bind(("127.0.0.1", 9090)); srv.listen()
    c = socket.create_connection(("127.0.0.1", 9090))
    a, _ = srv.accept(); a.close(); c.close(); srv.close()
    def who(*args):
        p = subprocess.run([bindlab, "who", *args, "--json"], capture_output=True, text=True)
        return {"rc": p.returncode, "out": json.loads(p.stdout) if p.stdout else None,
                "err": p.stderr}
    # the close handshake completes in the kernel: wait for TIME_WAIT, bounded
    for _ in range(200):
        tw = who("9090")
        if any(s["state"] == "TIME_WAIT" for s in tw["out"]["sockets"]):
            break
        time.sleep(0.005)
    out = {"pid": __import__("os").getpid(),
           "listen": who("8080"),
           "listen_bind": who("8080", "--would-bind", "--reuseaddr"),
           "other_addr": who("127.0.0.2:8080", "--would-bind"),
           "tw": tw,
           "tw_bind": who("127.0.0.1:9090", "--would-bind", "--reuseaddr"),
           "text": subprocess.run([bindlab, "who", "9090", "--would-bind"],
                                  capture_output=True, text=True).stdout}
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def seen(bindlab):
    if os.geteuid() != 0:
        pytest.skip("needs root for unshare -n")
    p = subprocess.run(["unshare", "-n", sys.executable, "-c", HOLDER, bindlab],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_listener_is_shown_with_its_owner_and_options(seen):
    (s,) = seen["listen"]["out"]["sockets"]
    assert (s["proto"], s["state"], s["local"]) == ("tcp", "LISTEN", "127.0.0.1:8080")
    assert s["pid"] == seen["pid"] and s["command"].startswith("python3")
    assert s["reuseaddr"] is True and s["reuseport"] is False


def test_listener_blocks_even_with_reuseaddr_and_says_what_would_help(seen):
    r = seen["listen_bind"]
    assert r["rc"] == 1
    wb = r["out"]["would_bind"]
    assert wb["ok"] is False
    (b,) = wb["blockers"]
    assert b["state"] == "LISTEN"
    assert "SO_REUSEADDR never lets" in b["why"]
    assert "SO_REUSEPORT on both" in b["fix"]


def test_another_address_is_free(seen):
    r = seen["other_addr"]
    assert r["rc"] == 0 and r["out"]["sockets"] == []
    assert r["out"]["would_bind"]["ok"] is True


def test_time_wait_has_no_owner_and_a_timer(seen):
    tws = [s for s in seen["tw"]["out"]["sockets"] if s["state"] == "TIME_WAIT"]
    assert len(tws) == 1
    (tw,) = tws
    assert tw["local"] == "127.0.0.1:9090" and tw["pid"] is None
    assert tw["owner"] == "no owner: TIME_WAIT belongs to the kernel, not to a process"
    assert 0 < tw["expires_ms"] <= 60000


def test_time_wait_blocks_and_the_fix_names_both_sides_or_the_wait(seen):
    r = seen["tw_bind"]
    assert r["rc"] == 1
    (b,) = r["out"]["would_bind"]["blockers"]
    assert b["state"] == "TIME_WAIT"
    # the TIME_WAIT's own SO_REUSEADDR is not readable: the sentence says so
    assert "unknown" in b["why"]
    assert "wait" in b["fix"]
    assert "a TCP bind to 0.0.0.0:9090 would fail now: EADDRINUSE" in seen["text"]
