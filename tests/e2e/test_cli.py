"""The command line: one usage, generated from the command table, for the
whole command and for each verb; strict options; and the reports it writes
(a report that cannot be written is an error, the previous one survives)."""
import json
import os
import subprocess

import pytest

from conftest import ROOT, validate_report

VERBS = ["run", "list", "lab", "check", "grade", "restart-check", "who", "doctor", "version", "help"]
DEMO = "scenarios/timewait/server-closes-first.scn"


def bl(bindlab, *args, timeout=60):
    return subprocess.run([bindlab, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_help_lists_every_command(bindlab):
    p = bl(bindlab, "help")
    assert p.returncode == 0, p
    listed = [line.split()[0] for line in p.stdout.split("commands:\n")[1].split("\n\n")[0]
              .splitlines()]
    assert listed == VERBS
    assert p.stdout.rstrip().endswith("2 bad input or an unusable environment")
    assert bl(bindlab, "--help").stdout == p.stdout


@pytest.mark.parametrize("verb", VERBS[:7])
def test_every_verb_has_its_own_usage_and_does_nothing_else(bindlab, verb):
    p = bl(bindlab, verb, "--help")
    assert p.returncode == 0, p
    assert p.stdout.startswith(f"usage: bindlab {verb}"), p.stdout
    assert p.stdout == bl(bindlab, "help", verb).stdout
    # doctor --help used to run doctor: it prints its usage and probes nothing
    assert "verdict:" not in p.stdout


def test_doctor_refuses_an_argument(bindlab):
    p = bl(bindlab, "doctor", "now")
    assert p.returncode == 2
    assert p.stderr.startswith("bindlab: doctor takes no arguments, not 'now'\n")


@pytest.mark.parametrize("args,msg", [
    (["run", "-j", "5x", DEMO], "bindlab: -j takes a number from 1 to 64, not '5x'"),
    (["run", "--timeout", "2x", DEMO],
     "bindlab: --timeout takes a duration from 1ms to 600s (500, 500ms, 2s), not '2x'"),
    (["restart-check", "--grace", "5", "--", "true"],
     "bindlab: --grace takes a duration such as 2s or 500ms (at most 600 s), not '5'"),
    (["restart-check", "--clients", "17", "--", "true"],
     "bindlab: --clients takes a number from 0 to 16, not '17'"),
])
def test_numbers_and_durations_are_strict(bindlab, args, msg):
    p = bl(bindlab, *args)
    assert p.returncode == 2
    assert p.stderr.splitlines()[0] == msg


def test_timeout_takes_a_duration_or_milliseconds(bindlab):
    for t in ("2s", "2000"):
        p = bl(bindlab, "run", "-q", "--timeout", t, DEMO)
        assert p.returncode == 0, p


def test_list_shows_what_the_parser_read(bindlab):
    p = bl(bindlab, "list", "--json", "scenarios/reuseaddr", DEMO)
    assert p.returncode == 0, p
    got = {s["file"]: s for s in json.loads(p.stdout)["scenarios"]}
    demo = got[DEMO]
    assert demo["name"] == "rapid restart, server closes first"
    assert demo["variants"] == [""]
    with open(ROOT / DEMO) as f:
        head = [line for line in f.read().splitlines() if line.startswith("# question:")]
    assert "# question: " + demo["meta"]["question"] == head[0]
    assert any(len(s["variants"]) > 1 for s in got.values())
    text = bl(bindlab, "list", DEMO).stdout
    assert text == f"{DEMO} (1 run): {demo['meta']['question']}\n"


def test_a_report_that_cannot_be_written_is_an_error(bindlab, tmp_path):
    p = bl(bindlab, "run", "-q", "--json", "/dev/full", DEMO)
    assert p.returncode == 2
    assert p.stderr.strip() == "bindlab: cannot write '/dev/full': No space left on device"
    p = bl(bindlab, "run", "-q", "--json", str(tmp_path / "no" / "r.json"), DEMO)
    assert p.returncode == 2
    assert "No such file or directory" in p.stderr


def test_a_report_replaces_the_previous_one_whole_and_leaves_no_temporary_file(bindlab,
                                                                               tmp_path):
    out = tmp_path / "r.json"
    out.write_text("previous")
    victim = tmp_path / "victim"
    victim.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    assert bl(bindlab, "run", "-q", "--json", str(out), DEMO).returncode == 0
    assert validate_report(out)["format"] == "bindlab-report/1"
    # a symlink is replaced by the report, never followed into its target
    assert bl(bindlab, "run", "-q", "--json", str(link), DEMO).returncode == 0
    assert victim.read_text() == "keep" and not link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "r.json", "victim"]
