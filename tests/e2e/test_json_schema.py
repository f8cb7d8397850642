"""The --json report has a committed layout, docs/report.schema.json
(docs/json-report.md explains it).  The schema itself is valid, the whole
scenario library and restart-check write reports it accepts, and it rejects
a broken report: a renamed or missing field fails here, not in a consumer."""
import copy
import json
import subprocess

import pytest
from jsonschema import Draft202012Validator

from conftest import BINDLAB, ROOT, report_errors, report_schema, validate_report

FORMAT = "bindlab-report/1"


def library_variants():
    """(file, number of variants) of every scenario a directory run runs:
    one run per 'variant' line, or one; '# slow:' files are skipped."""
    listed = subprocess.run([str(BINDLAB), "list", "--json", "scenarios"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    fast = {s["file"] for s in json.loads(listed)["scenarios"]}
    out = []
    for p in sorted((ROOT / "scenarios").rglob("*.scn")):
        lines = p.read_text().splitlines()
        if str(p.relative_to(ROOT)) not in fast:
            continue
        out.append((str(p.relative_to(ROOT)),
                    sum(1 for line in lines if line.split()[:1] == ["variant"]) or 1))
    return out


def bindlab_json(bindlab, tmp_path, *args, cmd="run", timeout=120):
    out = tmp_path / "report.json"
    argv = [bindlab, cmd, "--json", str(out), *args] if cmd == "restart-check" else \
        [bindlab, cmd, "--no-color", "--json", str(out), *args]
    p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.exists() and out.stat().st_size, p
    return p, json.loads(out.read_text())


def test_the_schema_is_a_valid_schema():
    Draft202012Validator.check_schema(report_schema())


def test_the_whole_library_writes_a_valid_report_with_one_run_per_variant(bindlab, tmp_path):
    p, env = bindlab_json(bindlab, tmp_path, "-q", "-j", "2", "scenarios")
    assert p.returncode == 0, p.stdout + p.stderr
    assert report_errors(env) == []
    assert env["format"] == FORMAT
    want = library_variants()
    runs = env["runs"]
    assert len(runs) == sum(n for _, n in want)
    got = {}
    for r in runs:
        got.setdefault(r["file"], []).append(r["variant"])
    assert sorted(got) == sorted(f for f, _ in want)
    for f, n in want:
        assert len(got[f]) == len(set(got[f])) == n, f
    # the library holds every kind of event but "traced" (that needs run())
    assert {"call", "packet", "check", "note"} <= {e["kind"] for r in runs for e in r["events"]}


def test_failed_and_error_runs_write_a_valid_report(bindlab, tmp_path):
    wrong = tmp_path / "wrong.scn"
    wrong.write_text((ROOT / "scenarios/timewait/server-closes-first.scn").read_text().replace(
        "bind(s2, 10.0.0.1:8080)           = -1 EADDRINUSE",
        "bind(s2, 10.0.0.1:8080)           = 0"))
    broken = tmp_path / "broken.scn"
    broken.write_text("host server 10.0.0.1\n"
                      "sysctl server net.ipv4.no_such_knob=1\n"
                      "server: s = socket(tcp)\n")
    p, report = bindlab_json(bindlab, tmp_path, wrong, broken)
    assert p.returncode == 2, p.stdout + p.stderr
    runs = validate_report(report)["runs"]
    assert [r["verdict"] for r in runs] == ["fail", "error"]
    assert runs[0]["failed"]["line"] == 29 and runs[1]["error"]


def test_restart_check_writes_a_valid_report(bindlab, tmp_path):
    # a server with SO_REUSEADDR restarts at once, whatever its clients did
    p, env = bindlab_json(bindlab, tmp_path, "--", str(ROOT / "build/servers/server"),
                          "--reuseaddr", "8080", cmd="restart-check", timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    validate_report(env)
    assert env["restart_check"] == {"verdict": "ok", "port": 8080, "clients": 2}
    (run,) = env["runs"]
    assert [(g["end"], g["listen_port"]) for g in run["programs"]] == \
        [("stopped", 8080), ("running", 8080)]
    assert [e for e in run["events"] if e["kind"] == "traced"]


@pytest.fixture(scope="module")
def good_report(bindlab, tmp_path_factory):
    _, env = bindlab_json(bindlab, tmp_path_factory.mktemp("good"),
                          "scenarios/timewait/server-closes-first.scn")
    assert report_errors(env) == []
    return env


def first_event(env, kind):
    return next(e for e in env["runs"][0]["events"] if e["kind"] == kind)


def drop(d, key):
    del d[key]


def rename(d, old, new):
    d[new] = d.pop(old)


BREAKAGES = {
    "a run without verdict": lambda env: drop(env["runs"][0], "verdict"),
    "an event of an unknown kind": lambda env: first_event(env, "packet").update(kind="frame"),
    "a run field renamed": lambda env: rename(env["runs"][0], "t0_ns", "t0"),
    "a call field renamed": lambda env: rename(first_event(env, "call"), "errno", "err"),
    "a packet without flags": lambda env: drop(first_event(env, "packet"), "flags"),
    "a check with a note's fields only": lambda env: [
        drop(first_event(env, "check"), k) for k in ("ok", "line", "text")],
    "an errno on a call that succeeded": lambda env: first_event(env, "call").update(
        errno="EINVAL"),
    "an unknown verdict": lambda env: env["runs"][0].update(verdict="passed"),
    "an extra top-level key": lambda env: env.update(extra=1),
    "another format": lambda env: env.update(format="bindlab-report/2"),
    "runs not an array": lambda env: env.update(runs=env["runs"][0]),
    "restart_check not an object": lambda env: env.update(restart_check="ok"),
}


@pytest.mark.parametrize("what", BREAKAGES)
def test_a_broken_report_is_rejected(good_report, what):
    env = copy.deepcopy(good_report)
    BREAKAGES[what](env)
    assert report_errors(env) != [], what
    with pytest.raises(AssertionError, match="does not match docs/report.schema.json"):
        validate_report(env)


def test_a_bare_run_is_not_an_envelope(good_report):
    assert report_errors(good_report["runs"][0]) != []


def test_restart_check_says_its_verdict_in_its_own_key(good_report):
    env = copy.deepcopy(good_report)
    env["restart_check"] = {"verdict": "failed", "port": 8080, "clients": 2}
    assert report_errors(env) == []
    env["restart_check"]["verdict"] = "FAILED"
    assert report_errors(env) != []
