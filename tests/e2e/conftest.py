"""Shared fixtures of the end-to-end tests: the bindlab binary, a way to run
it, and a snapshot of the host that proves a run left nothing behind."""
import functools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
BINDLAB = Path(os.environ.get("BINDLAB", ROOT / "build" / "bindlab"))
REPORT_SCHEMA = ROOT / "docs" / "report.schema.json"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: waits out real kernel timers (minutes)")


@pytest.fixture(scope="session")
def bindlab():
    if not BINDLAB.exists():
        pytest.fail(f"{BINDLAB} is missing: run 'make' first")
    return str(BINDLAB)


@functools.lru_cache(maxsize=None)
def report_schema():
    """docs/report.schema.json, the layout of every --json report."""
    return json.loads(REPORT_SCHEMA.read_text())


@functools.lru_cache(maxsize=None)
def _validator(part):
    schema = report_schema()
    if part != "envelope":
        # one part of the schema (#/$defs/run, ...) with the definitions it uses
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                  "$ref": f"#/$defs/{part}"}
    return Draft202012Validator(schema)


def report_errors(report, part="envelope"):
    """What is wrong with report against the schema: one line per error, [] if valid."""
    errors = sorted(_validator(part).iter_errors(report), key=lambda e: list(e.absolute_path))
    return ["/".join(str(k) for k in e.absolute_path) + ": " + e.message for e in errors]


def validate_report(path_or_obj):
    """Fail unless a --json report (a path to one, or the parsed object) has
    the layout of docs/report.schema.json.  Returns the parsed report."""
    if isinstance(path_or_obj, (str, Path)):
        report = json.loads(Path(path_or_obj).read_text())
    else:
        report = path_or_obj
    errors = report_errors(report)
    if errors:
        raise AssertionError("the JSON report does not match docs/report.schema.json:\n  "
                             + "\n  ".join(errors[:20]))
    return report


class Result:
    def __init__(self, proc, json_path=None):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.json = None
        self.report = None
        self.run = None
        if json_path and Path(json_path).exists() and Path(json_path).stat().st_size:
            self.report = validate_report(json.loads(Path(json_path).read_text()))
            # every run of the command, in order (the envelope's "runs")
            self.json = self.report["runs"]
            self.run = self.json[0] if self.json else None

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def run(bindlab, tmp_path):
    """run("scenarios/x.scn", "--pcap", dir) -> Result with .json parsed."""

    def _run(*args, json_out=True, timeout=60, **kw):
        argv = [bindlab, "run", "--no-color"]
        json_path = None
        if json_out:
            json_path = tmp_path / f"report-{time.monotonic_ns()}.json"
            argv += ["--json", str(json_path)]
        argv += [str(a) for a in args]
        p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kw)
        return Result(p, json_path)

    return _run


def host_snapshot():
    """What a run must not leave on the host: named namespaces, veth links in
    the host's namespace, bindlab processes (runners, reapers and actors are
    all bindlab forks; a network namespace of ours lives only as long as one
    of them does)."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    veth = subprocess.run(["ip", "-o", "link", "show", "type", "veth"], capture_output=True,
                          text=True).stdout.strip().splitlines()
    procs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if os.path.basename(exe).startswith("bindlab"):
            procs.append(int(pid))
    return {"netns": netns, "veth": veth, "procs": sorted(procs)}


def wait_for(cond, timeout=5.0, what="condition"):
    """Poll cond() with a bound; return its last true value or fail."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(delay)  # a bounded poll of /proc, not a synchronisation sleep
        delay = min(delay * 2, 0.05)


@pytest.fixture
def clean_host():
    """Fail the test if the host differs afterwards (processes are given a
    bounded time to finish dying)."""
    before = host_snapshot()
    yield before

    def settled():
        now = host_snapshot()
        ok = (now["netns"] == before["netns"] and now["veth"] == before["veth"]
              and not (set(now["procs"]) - set(before["procs"])))
        return now if ok else None

    deadline = time.monotonic() + 10
    now = None
    while time.monotonic() < deadline:
        now = settled()
        if now:
            return
        time.sleep(0.01)
    now = host_snapshot()
    pytest.fail(f"the host was left changed:\nbefore={before}\nafter={now}")


def have(tool):
    return shutil.which(tool) is not None
