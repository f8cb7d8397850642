"""bindlab's model of the kernel's bind rules (harness/rules.c) is proven
against the kernel: for every bind and listen of every scenario, the model's
prediction must equal what the kernel returned.  A disagreement fails here,
it is never papered over."""
from conftest import ROOT

# the library and every lab's walkthrough: what students see must agree too
ALL = ["scenarios", *sorted(str(p) for p in ROOT.glob("labs/*/walkthrough"))]


def test_model_agrees_with_the_kernel_on_every_bind_and_listen(run):
    r = run(*ALL, "-j", "2", "-q", timeout=240)
    assert r.rc == 0, r
    checked, wrong = 0, []
    for j in r.json:
        for e in j["events"]:
            m = e.get("model")
            if not m or not m["applicable"]:
                continue
            checked += 1
            if not m["agrees"]:
                wrong.append(f'{j["file"]}:{e["line"]} [{j["variant"]}]: model said '
                             f'{m["predicted"]}, kernel returned {e["errno"] or e["ret"]}')
    assert wrong == []
    # the comparison is not vacuous: the library binds and listens a lot,
    # and both outcomes occur
    assert checked >= 150
    conflicts = sum(1 for j in r.json for e in j["events"]
                    if e.get("model", {}).get("applicable") and e["errno"] == "EADDRINUSE")
    assert conflicts >= 40


def test_every_eaddrinuse_is_explained_by_a_rule(run):
    r = run(*ALL, "-j", "2", "-q", timeout=240)
    unexplained = []
    for j in r.json:
        for e in j["events"]:
            if e["kind"] == "call" and e.get("errno") == "EADDRINUSE" and "model" in e \
                    and e["model"]["applicable"]:
                ways = e.get("in_the_way", [])
                if not ways or not all(w["why"] for w in ways):
                    unexplained.append(f'{j["file"]}:{e["line"]}')
    assert unexplained == []
