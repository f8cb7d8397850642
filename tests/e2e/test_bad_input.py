"""Bad input gets one clear line and exit status 2: never a crash, a hang or
a half-written report."""
import re
from pathlib import Path

import pytest

from conftest import ROOT

BAD = sorted((ROOT / "tests/fixtures/scn/bad").glob("*.scn"))


def expected_position(path):
    first = path.read_text(errors="replace").splitlines()[0]
    m = re.match(r"# error: (\d+):(\d+): (.*)", first)
    assert m, f"{path} lacks its '# error: LINE:COL: message' header"
    return int(m.group(1)), int(m.group(2)), m.group(3)


def test_there_are_at_least_twenty_malformed_fixtures():
    assert len(BAD) >= 20


@pytest.mark.parametrize("scn", BAD, ids=[p.name for p in BAD])
def test_malformed_scenario_is_one_line_with_its_position(run, scn):
    line, col, msg = expected_position(scn)
    r = run(scn, json_out=False)
    assert r.rc == 2, r
    assert r.out == ""
    err = r.err.strip().splitlines()
    assert len(err) == 1, r
    assert err[0].startswith(f"{scn}:{line}:{col}: "), r
    assert msg in err[0]


def test_missing_file(run):
    r = run("no/such/file.scn", json_out=False)
    assert r.rc == 2
    assert r.err.strip() == "bindlab: cannot open 'no/such/file.scn': No such file or directory"


def test_directory_without_scenarios(run, tmp_path):
    r = run(tmp_path, json_out=False)
    assert r.rc == 2
    assert r.err.strip() == f"bindlab: no .scn files under '{tmp_path}'"


def test_unknown_command(bindlab):
    import subprocess
    p = subprocess.run([bindlab, "frobnicate"], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.splitlines()[0] == "bindlab: unknown command 'frobnicate'"


def test_a_call_that_blocks_is_bounded_and_reported(run, tmp_path):
    scn = tmp_path / "hang.scn"
    scn.write_text("host server 10.0.0.1\n"
                   "server: s = socket(tcp)\n"
                   "server: bind(s, 10.0.0.1:8080)\n"
                   "server: listen(s)\n"
                   "server: a = accept(s)\n"
                   "server: close(s)\n")
    r = run(scn, "--timeout", "200")
    assert r.rc == 1, r
    assert f"FAIL {scn}:5: server: a = accept(s)" in r.out
    assert "the call did not return within 200 ms" in r.out
    assert "1 later step not run" in r.out
    assert r.run["verdict"] == "fail"


def test_a_world_bindlab_cannot_build_is_an_error_not_a_crash(run, tmp_path):
    scn = tmp_path / "sysctl.scn"
    scn.write_text("host server 10.0.0.1\n"
                   "sysctl server net.ipv4.no_such_knob=1\n"
                   "server: s = socket(tcp)\n")
    r = run(scn)
    assert r.rc == 2, r
    assert "ERROR" in r.out and "net.ipv4.no_such_knob" in r.out
    assert r.run["verdict"] == "error"
