"""--mermaid FILE: a Mermaid sequenceDiagram of one run, checked by the real
mermaid package in Chromium (tests/browser/check-page.mjs): it parses as a
sequence diagram, and the SVG mermaid draws from it has one message per
packet captured, one participant per lane, the text of every call, check
and verdict, and every odd character of a scenario back as it was written."""
import subprocess
from pathlib import Path

import pytest

from browser import mermaid
from conftest import ROOT, validate_report

SERVER = str(ROOT / "build/servers/server")
MESSAGES = ".messageText"  # the label of every message (a packet) mermaid draws
ACTORS = "text.actor"  # a participant's name, drawn at the top and the bottom


def draw(bindlab, tmp_path, *args, verb="run", expect_rc=None):
    """Run bindlab with --mermaid and --json; the report's run, the .mmd text and
    what mermaid drew from it."""
    mmd, js = tmp_path / "run.mmd", tmp_path / "run.json"
    argv = [bindlab, verb, "--no-color"] if verb == "run" else [bindlab, verb]
    if verb == "run":
        argv += ["--mermaid", str(mmd), "--json", str(js), *map(str, args)]
    else:  # restart-check: options, then -- CMD
        argv += ["--mermaid", str(mmd), "--json", str(js), "--", *map(str, args)]
    p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if expect_rc is not None:
        assert p.returncode == expect_rc, p.stdout + p.stderr
    run = validate_report(js)["runs"][0]
    shot = (Path(str(args[-1])).stem if verb == "run" else "restart-check") + ".mermaid.png"
    seen = mermaid(mmd, MESSAGES, ACTORS, ".noteText", screenshot=shot)
    assert seen["ok"], f"mermaid refused {mmd}: {seen.get('error')}\n{mmd.read_text()}"
    assert seen["type"] == "sequence"
    assert seen["errors"] == []
    return run, mmd.read_text(), seen


def joined(seen):
    """The diagram's texts as one string: a note's lines are separate <text>s,
    broken at spaces."""
    return " ".join(seen["texts"])


def lanes(run):
    """Participants: a host, or where a host has several processes, the host
    (its network) and each of them."""
    procs = {}
    for e in run["events"]:
        if e["kind"] == "call":
            procs.setdefault(e["host"], set()).add(e["proc"])
    return sum(1 + (len(procs.get(h["name"], ())) if len(procs.get(h["name"], ())) > 1 else 0)
               for h in run["hosts"])


GAP_NS = 250_000_000  # render/ladder.h LADDER_GAP_NS: the pictures' "long quiet gap"


def gaps(run):
    """The quiet gaps longer than GAP_NS: from the end of an event (a call
    ends when it returns) to the start of the next."""
    out, prev = [], None
    for e in run["events"]:
        if prev is not None and e["t_ns"] - prev >= GAP_NS:
            out.append(e["t_ns"] - prev)
        end = e["t_ns"] + (e.get("dur_ns") or 0)
        prev = end if prev is None else max(prev, end)
    return out


def duration(ns):
    return f"{ns / 1e6:.0f} ms" if ns < 1e9 else f"{ns / 1e9:.1f} s"


def assert_drawn(run, seen):
    """One message per packet, one participant per lane, every call's and
    check's text and the verdict."""
    packets = [e for e in run["events"] if e["kind"] == "packet"]
    assert seen["counts"][MESSAGES] == len(packets), (seen["counts"], len(packets))
    assert seen["counts"][ACTORS] == 2 * lanes(run), (seen["counts"], lanes(run))
    text = joined(seen)
    for e in run["events"]:
        if e["kind"] == "call":
            call = e["text"].split(":", 1)[1].strip()
            call = call[:call.rindex(")") + 1] if ")" in call else call
            assert call in text, f"call line {e['line']} '{call}' not drawn"
        if e["kind"] == "check" and e["text"].startswith(("expect", "wait")):
            assert ("ok " if e["ok"] else "FAIL ") + e["text"] in text
        if e["kind"] == "traced":
            assert e["text"] in text
    notes = [t for t in seen["texts"] if t.startswith("... ") and t.endswith(" later ...")]
    assert notes == [f"... {duration(g)} later ..." for g in gaps(run)]
    assert {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR "}[run["verdict"]] + run["file"] \
        in text


@pytest.mark.parametrize("scn", [
    "scenarios/timewait/server-closes-first.scn",    # the demo: EADDRINUSE over TIME_WAIT
    "scenarios/duplicate/second-instance.scn",       # a duplicate instance
    "scenarios/udp/which-socket-receives.scn",       # UDP, two processes on one host
    "scenarios/ipv6/v6-rapid-restart.scn",           # IPv6
    "scenarios/fork/child-keeps-listener.scn",       # one host, three processes
    "scenarios/ipv6/loopback-v4-and-v6.scn",         # packets on lo
])
def test_mermaid_of_a_library_scenario_is_drawn_whole(bindlab, tmp_path, scn):
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert run["verdict"] == "pass"
    assert_drawn(run, seen)
    title = run["scenario"] + (f" [{run['variant']}]" if run["variant"] else "")
    assert title in seen["texts"]


def test_mermaid_names_the_socket_in_the_way_beside_the_refused_bind(bindlab, tmp_path):
    run, mmd, seen = draw(bindlab, tmp_path, "scenarios/timewait/server-closes-first.scn")
    text = joined(seen)
    refused = [e for e in run["events"] if e["kind"] == "call" and e["errno"] == "EADDRINUSE"]
    assert refused
    for e in refused:
        for w in e["in_the_way"]:
            sock = w["socket"]
            assert f"in the way: tcp {sock['state']} {sock['local']} > {sock['remote']}" in text
            assert "why: " + w["why"] in text


def test_mermaid_of_a_failing_scenario_says_which_step_failed(bindlab, tmp_path):
    scn = tmp_path / "fails.scn"
    scn.write_text('scenario "a rebind that is expected to work"\n'
                   "host server 10.0.0.1\nhost client 10.0.0.2\n"
                   "server: s = socket(tcp)\n"
                   "server: bind(s, 10.0.0.1:8080) = 0\n"
                   "server: listen(s) = 0\n"
                   "server: s2 = socket(tcp)\n"
                   "server: bind(s2, 10.0.0.1:8080) = 0\n"
                   "expect socket server 10.0.0.1:8080 LISTEN\n")
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=1)
    assert run["verdict"] == "fail"
    assert_drawn(run, seen)
    text = joined(seen)
    assert f"FAIL {run['file']} line {run['failed']['line']}: {run['failed']['text']}" in text
    assert "rect rgba(220, 40, 40, 0.15)" in mmd  # the failure stands out, not by words alone


def test_mermaid_of_an_error_run_is_a_whole_diagram(bindlab, tmp_path):
    scn = tmp_path / "error.scn"
    scn.write_text("host server 10.0.0.1\nsysctl server net.ipv4.no_such_knob=1\n"
                   "server: s = socket(tcp)\n")
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=2)
    assert run["verdict"] == "error"
    assert f"ERROR {run['file']}" in joined(seen)
    assert "net.ipv4.no_such_knob" in joined(seen)


def test_mermaid_of_a_run_without_packets(bindlab, tmp_path):
    scn = tmp_path / "quiet.scn"
    scn.write_text("host server 10.0.0.1\nserver: s = socket(udp)\n"
                   "server: bind(s, 10.0.0.1:5353) = 0\nserver: close(s) = 0\n")
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert seen["counts"][MESSAGES] == 0
    assert_drawn(run, seen)


def test_mermaid_of_restart_check_of_a_real_server(bindlab, tmp_path):
    run, mmd, seen = draw(bindlab, tmp_path, SERVER, "8080", verb="restart-check", expect_rc=1)
    assert_drawn(run, seen)
    text = joined(seen)
    # the restarted server's refused bind, and the connection in the way
    assert "bind(3, 0.0.0.0:8080) = -1 EADDRINUSE" in text
    assert "in the way: tcp TIME_WAIT" in text
    for pg in run["programs"]:
        assert f"program {{{pg['cmd']}}} pid {pg['pid']}" in text


def test_mermaid_of_sixteen_programs(bindlab, tmp_path):
    scn = tmp_path / "sixteen.scn"
    body = "host server 10.0.0.1\n"
    body += "".join(f'server: p{k} = run("sh", "-c", "exit {k}")\nserver: wait(p{k}) = {k}\n'
                    for k in range(16))
    scn.write_text(body)
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert len(run["programs"]) == 16
    assert_drawn(run, seen)


def test_a_long_quiet_gap_is_a_note_with_its_real_duration(bindlab, tmp_path):
    # the server starts listening 1.3 s after run(): nothing happens meanwhile
    scn = tmp_path / "gap.scn"
    scn.write_text("host server 10.0.0.1\n"
                   f'server: p = run("sh", "-c", "sleep 1.3; exec {SERVER} 8080")\n'
                   "wait until socket server *:8080 LISTEN within 5s\n"
                   "server: stop(p) = 0\n")
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert [g for g in gaps(run) if g >= 1.3e9]
    assert_drawn(run, seen)


def test_a_call_that_waits_says_how_long(bindlab, tmp_path):
    scn = tmp_path / "wait.scn"
    scn.write_text('host server 10.0.0.1\nserver: p = run("sleep", "1.2")\nserver: wait(p) = 0\n')
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    waited = [e for e in run["events"] if e["kind"] == "call" and e["text"].endswith("wait(p) = 0")]
    assert waited[0]["dur_ns"] >= 1.2e9
    assert f"returned {waited[0]['dur_ns'] / 1e9:.1f} s later" in seen["texts"]


def test_a_run_of_ten_thousand_events_stays_under_mermaids_limit(bindlab, tmp_path):
    # 2,500 sends and receives over veth: calls, data packets and their acks
    scn = tmp_path / "many.scn"
    body = ("host server 10.0.0.1\nhost client 10.0.0.2\n"
            "server: s = socket(tcp)\nserver: bind(s, 10.0.0.1:8080) = 0\n"
            "server: listen(s) = 0\nclient: c = socket(tcp)\n"
            "client: connect(c, 10.0.0.1:8080) = 0\nserver: a = accept(s)\n")
    body += 'client: send(c, "x") = 1\nserver: recv(a, 1) = 1\n' * 2500
    scn.write_text(body)
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert len(run["events"]) >= 10000
    assert len(mmd) < 50000  # mermaid's maxTextSize: past it, it draws an error box
    notes = [t for t in seen["texts"] if "not drawn here" in t]
    assert notes, "no note says what was left out"
    last = [ln for ln in mmd.splitlines() if ln.strip().startswith("Note over")][-1]
    assert last.split(": ", 1)[1] == f"PASS<br>{run['file']}", last  # the verdict, last


HOSTILE = 'ünïcødé "quoted" #hash; semi; colon: %% <br> &lt; <b>b</b> style: x:y#1; wrap: end'


def test_any_scenario_text_comes_back_as_written(bindlab, tmp_path):
    d = tmp_path / "odd #dir; 100%"
    d.mkdir()
    scn = d / "a;b#c:é.scn"
    payload = HOSTILE.replace('"', "'")
    scn.write_text(f'scenario "{HOSTILE.replace(chr(34), chr(39))}"\n'
                   "host server 10.0.0.1\nhost client 10.0.0.2\n"
                   "server: s = socket(tcp)\nserver: bind(s, 10.0.0.1:8080) = 0\n"
                   "server: listen(s) = 0\nclient: c = socket(tcp)\n"
                   "client: connect(c, 10.0.0.1:8080) = 0\nserver: a = accept(s)\n"
                   f'client: send(c, "{payload}") = {len(payload.encode())}\n'
                   f"server: recv(a, {len(payload.encode())}) = {len(payload.encode())}\n")
    run, mmd, seen = draw(bindlab, tmp_path, scn, expect_rc=0)
    assert run["scenario"] == payload
    assert payload in seen["texts"]  # the title
    text = joined(seen)
    assert f'send(c, "{payload}")' in text
    assert str(scn) in text
    assert_drawn(run, seen)


def test_mermaid_draws_one_run_only(bindlab, tmp_path):
    p = subprocess.run([bindlab, "run", "--mermaid", str(tmp_path / "x.mmd"),
                        "scenarios/udp"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2
    assert "--mermaid draws one run" in p.stderr + p.stdout
    assert not (tmp_path / "x.mmd").exists()


@pytest.mark.slow
def test_a_real_sixty_second_time_wait_is_a_note_of_sixty_seconds(bindlab, tmp_path):
    run, mmd, seen = draw(bindlab, tmp_path, "scenarios/timewait/wait-it-out.scn",
                          expect_rc=0)
    assert [t for t in seen["texts"] if t.startswith("... ") and " s later ..." in t
            and float(t.split()[1]) >= 55], seen["texts"]
