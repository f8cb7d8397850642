"""The pictures of a run (--html, --svg), checked from what a real browser
rendered (headless Chromium, tests/e2e/browser.py) of real runs: the arrows
are the packets the same run's --json captured, every call is drawn with the
result the kernel gave, no script error, nothing fetched.  Screenshots are
kept under build/screenshots/."""
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from browser import page
from conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "pictures"
SVG = "{http://www.w3.org/2000/svg}"


def pictures(bindlab, tmp_path, *args, verb="run", svg=False):
    """Run bindlab VERB with --html and --json (and --svg): (html, svg, runs)."""
    html, js, sv = tmp_path / "out.html", tmp_path / "out.json", tmp_path / "out.svg"
    argv = [bindlab, verb] + (["--no-color"] if verb == "run" else [])
    argv += ["--html", str(html), "--json", str(js)]
    if svg:
        argv += ["--svg", str(sv)]
    p = subprocess.run(argv + [str(a) for a in args], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode in (0, 1, 2), p.stdout + p.stderr
    assert html.exists(), p.stdout + p.stderr
    return html, sv, json.loads(js.read_text())["runs"]


def norm(s):
    """Text as a browser shows it: runs of spaces are one."""
    return " ".join(s.split())


def packets(run):
    return [e for e in run["events"] if e["kind"] == "packet"]


def drawn_call(e):
    """The words of a call as the ladder draws it: the statement as written,
    then the kernel's result when it was an error."""
    stmt = e["text"].split(":", 1)[1].strip()
    stmt = stmt[:stmt.rindex(")") + 1]
    return stmt + (f" = -1 {e['errno']}" if e["errno"] else "")


def assert_run_drawn(html, runs, shot):
    calls = [e for r in runs for e in r["events"] if e["kind"] in ("call", "traced")]
    seen = page(html, ".pkt", ".call", "section.run", "svg.ladder", screenshot=shot)
    seen["text"] = norm(seen["text"])
    assert seen["errors"] == []
    assert seen["requests"] == []
    assert seen["counts"]["section.run"] == seen["counts"]["svg.ladder"] == len(runs)
    assert seen["counts"][".pkt"] == sum(len(packets(r)) for r in runs)
    assert seen["counts"][".call"] == len(calls)
    for e in calls:
        want = drawn_call(e) if e["kind"] == "call" else e["text"]
        assert norm(want) in seen["text"], f"{want!r} is not on the page"
    for r in runs:
        assert r["verdict"].upper() in seen["text"]
        assert r["kernel"] in seen["text"]
        for s in r["sysctls"]:
            assert f"{s['key']}={s['value']}" in seen["text"]
    return seen


@pytest.mark.parametrize("scn,shot", [
    ("scenarios/timewait/server-closes-first.scn", "html-timewait.png"),
    ("scenarios/duplicate/second-instance.scn", "html-duplicate.png"),
    ("scenarios/udp/which-socket-receives.scn", "html-udp.png"),
    ("tests/fixtures/pictures/wrong-expectation.scn", "html-failing.png"),
])
def test_html_of_a_run_draws_every_packet_and_call(bindlab, tmp_path, scn, shot):
    html, _, runs = pictures(bindlab, tmp_path, scn)
    seen = assert_run_drawn(html, runs, shot)
    # every expectation's verdict, with its source line
    for e in runs[0]["events"]:
        if e["kind"] == "check":
            assert norm(e["text"]) in seen["text"]


def test_html_of_a_failing_run_says_which_line_failed(bindlab, tmp_path):
    html, _, runs = pictures(bindlab, tmp_path, FIX / "wrong-expectation.scn")
    assert runs[0]["verdict"] == "fail"
    seen = page(html, "tr.fail", ".call.err")
    line = runs[0]["failed"]["line"]
    assert norm(f"FAIL line {line}: {runs[0]['failed']['text']}") in norm(seen["text"])
    assert seen["counts"]["tr.fail"] == 1
    errs = [e for e in runs[0]["events"] if e["kind"] == "call" and e["errno"]]
    assert seen["counts"][".call.err"] == len(errs) >= 1


def test_html_of_restart_check_draws_the_program_and_the_socket_in_the_way(bindlab, tmp_path):
    html, _, runs = pictures(bindlab, tmp_path, "--", "build/servers/server", "8080",
                             verb="restart-check")
    seen = assert_run_drawn(html, runs, "html-restart-check.png")
    in_way = [h for e in runs[0]["events"] for h in e.get("in_the_way", [])]
    # each refused bind is linked to the band of the socket in its way
    refused = [e for e in runs[0]["events"] if e.get("in_the_way")]
    assert page(html, "path.link")["counts"]["path.link"] == len(refused)
    for h in in_way:
        assert norm(h["why"])[:40] in seen["text"]


def test_eaddrinuse_is_linked_to_the_band_of_the_socket_in_the_way(bindlab, tmp_path):
    html, _, runs = pictures(bindlab, tmp_path, "scenarios/duplicate/second-instance.scn")
    refused = [e for e in runs[0]["events"] if e.get("in_the_way")]
    seen = page(html, "path.link", ".band.s10")
    assert len(refused) == 2
    assert seen["counts"]["path.link"] == len(refused)
    # the listener of 'server' is the one band both refusals point at
    assert seen["counts"][".band.s10"] >= 1


def test_svg_is_well_formed_with_an_arrow_per_packet(bindlab, tmp_path):
    _, svg, runs = pictures(bindlab, tmp_path, "scenarios/timewait/server-closes-first.scn",
                            svg=True)
    root = ET.parse(svg).getroot()
    assert root.tag == SVG + "svg"
    arrows = [g for g in root.iter(SVG + "g") if "pkt" in g.get("class", "").split()]
    assert len(arrows) == len(packets(runs[0])) == 6
    texts = "\n".join(t.text or "" for t in root.iter(SVG + "text"))
    for e in runs[0]["events"]:
        if e["kind"] == "call":
            assert drawn_call(e) in texts
    seen = page(svg, ".pkt", screenshot="svg-timewait.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert seen["counts"][".pkt"] == 6


def test_an_error_run_is_a_whole_page_and_a_whole_svg(bindlab, tmp_path):
    scn = tmp_path / "broken.scn"
    scn.write_text("host server 10.0.0.1\n"
                   "sysctl server net.ipv4.no_such_knob=1\n"
                   "server: s = socket(tcp)\n")
    html, svg, runs = pictures(bindlab, tmp_path, scn, svg=True)
    assert runs[0]["verdict"] == "error" and packets(runs[0]) == []
    ET.parse(svg)
    seen = page(html, ".pkt", "section.run", screenshot="html-error.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert seen["counts"] == {".pkt": 0, "section.run": 1}
    assert "ERROR" in seen["text"] and "no_such_knob" in seen["text"]


def test_a_run_without_packets_has_no_arrows(bindlab, tmp_path):
    html, svg, runs = pictures(bindlab, tmp_path, "scenarios/duplicate/second-instance.scn",
                               svg=True)
    assert packets(runs[0]) == []
    root = ET.parse(svg).getroot()
    assert not [g for g in root.iter(SVG + "g") if "pkt" in g.get("class", "")]
    assert page(html, ".pkt")["counts"][".pkt"] == 0


def test_a_long_quiet_stretch_is_drawn_short_with_its_real_length(bindlab, tmp_path):
    html, svg, runs = pictures(bindlab, tmp_path, FIX / "quiet-gap.scn", svg=True)
    ts = [e["t_ns"] for e in runs[0]["events"]]
    gap = max(b - a for a, b in zip(ts, ts[1:]))
    assert gap >= 1_000_000_000  # wait(p) for `sleep 1`
    label = f"{gap / 1e9:.3f} s of quiet, drawn short"
    seen = page(html, ".gap", screenshot="html-gap.png")
    assert seen["counts"][".gap"] == 1
    assert label in seen["text"]
    # drawn short: the whole ladder is far less than a second at a row per 10 ms
    root = ET.parse(svg).getroot()
    assert int(root.get("height")) < 600
    assert label in "\n".join(t.text or "" for t in root.iter(SVG + "text"))


def test_a_lab_gives_an_index_with_each_steps_verdict(bindlab, tmp_path):
    html = tmp_path / "lab.html"
    p = subprocess.run([bindlab, "lab", "2", "--no-pause", "--no-color", "--html", str(html)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = sorted((ROOT / "labs").glob("02-*/walkthrough/*.scn"))
    ran = len(steps) - p.stdout.count("skipped:")
    seen = page(html, "nav.index li", "section.run", "section.run[data-verdict=pass]",
                screenshot="html-lab-02.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert seen["counts"]["nav.index li"] == seen["counts"]["section.run"] == ran
    # each entry's verdict is the one `bindlab run` gives the same step
    verdicts = []
    for f in steps:
        if "# slow:" in f.read_text():
            continue  # what the lab skipped
        js = tmp_path / f"{f.stem}.json"
        subprocess.run([bindlab, "run", "--json", str(js), str(f)], cwd=ROOT,
                       capture_output=True, timeout=120)
        verdicts += [r["verdict"] for r in json.loads(js.read_text())["runs"]]
    assert len(verdicts) == ran
    assert seen["counts"]["section.run[data-verdict=pass]"] == verdicts.count("pass")


def test_the_demo_page_stays_small(bindlab, tmp_path):
    html, _, _ = pictures(bindlab, tmp_path, "scenarios/timewait/server-closes-first.scn")
    assert html.stat().st_size < 200_000, html.stat().st_size


def test_ten_thousand_events_and_sixteen_programs_draw_whole(bindlab, tmp_path):
    scn = tmp_path / "many.scn"
    lines = ["host server 10.0.0.1", "host client 10.0.0.2"]
    lines += [f'server: p{k} = run("true")' for k in range(16)]
    lines += ["server: s = socket(tcp)", "server: bind(s, 10.0.0.1:8080) = 0",
              "server: listen(s) = 0", "client: c = socket(tcp)",
              "client: connect(c, 10.0.0.1:8080) = 0", "server: a = accept(s)"]
    lines += ['client: send(c, "x") = 1\nserver: recv(a, 1) = 1'] * 2500
    scn.write_text("\n".join(lines) + "\n")
    html, svg, runs = pictures(bindlab, tmp_path, scn, svg=True)
    assert len(runs[0]["events"]) >= 10_000 and len(runs[0]["programs"]) == 16
    root = ET.parse(svg).getroot()
    arrows = [g for g in root.iter(SVG + "g") if "pkt" in g.get("class", "").split()]
    assert len(arrows) == len(packets(runs[0]))
    seen = page(html, ".pkt", "section.run")
    assert seen["errors"] == [] and seen["requests"] == []
    assert seen["counts"] == {".pkt": len(packets(runs[0])), "section.run": 1}


def test_the_keyboard_alone_walks_the_ladder(bindlab, tmp_path):
    """Tab reaches every drawn call and packet in order, and each one's
    full facts appear in the detail line as it gets the focus."""
    out = tmp_path / "k.html"
    p = subprocess.run([bindlab, "run", "--no-color", "-q", "--html", str(out),
                        "scenarios/timewait/server-closes-first.scn"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    got = page(out, "[tabindex]", tabs=90)
    focusable = got["counts"]["[tabindex]"]
    seen = [t for t in got["tabs"] if "pkt" in t["cls"].split() or "call" in t["cls"].split()]
    assert len(seen) >= 10, got["tabs"][:12]
    # a packet's detail names its flags, ports and seq/ack; a call's its result
    pkts = [t["detail"] for t in seen if "pkt" in t["cls"].split()]
    assert pkts and all("seq" in d and ":8080" in d for d in pkts), pkts[:3]
    calls = [" ".join(t["detail"].split()) for t in seen if "call" in t["cls"].split()]
    assert any(d.startswith("line 29: server: bind(s2, 10.0.0.1:8080) = -1 EADDRINUSE")
               for d in calls), calls
    # Tab goes round: every focusable element was reached (25 here, 90 presses)
    assert len({t["detail"] for t in got["tabs"] if t["detail"]}) >= focusable - 1
