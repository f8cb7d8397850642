"""The demo gives the same verdict every time.  CI runs a short repetition
(BINDLAB_REPEAT, default 20); `make repeat` runs 1,000."""
import os

from conftest import ROOT


def test_demo_verdict_is_the_same_every_time(run):
    n = int(os.environ.get("BINDLAB_REPEAT", "20"))
    scn = ROOT / "scenarios/timewait/server-closes-first.scn"
    r = run(*([scn] * n), "-j", "2", "-q")
    assert r.rc == 0, r
    assert r.out.strip().splitlines()[-1] == f"{n} passed, 0 failed"
