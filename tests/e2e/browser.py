"""A real browser for the tests of the HTML and Mermaid output: Debian's
chromium, driven by tests/browser/check-page.mjs (playwright-core, and the
real mermaid package).  Screenshots go under build/screenshots/, kept by CI."""
import json
import subprocess

from conftest import ROOT

SCRIPT = ROOT / "tests" / "browser" / "check-page.mjs"
SHOTS = ROOT / "build" / "screenshots"


def page(html, *selectors, screenshot=None, tabs=0):
    """Open html (a path) from disk: {"errors": [...], "counts": {sel: n},
    "text": the page's visible text, "requests": URLs it fetched, "tabs":
    after each of `tabs` presses of Tab, the focused element's tag and
    class and the page's detail line}."""
    argv = ["node", str(SCRIPT), "page", str(html)]
    for sel in selectors:
        argv += ["--count", sel]
    if tabs:
        argv += ["--tab", str(tabs)]
    if screenshot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        argv += ["--screenshot", str(SHOTS / screenshot)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def mermaid(mmd, *selectors, screenshot=None):
    """Parse and render a Mermaid file with the real mermaid package:
    {"ok": bool, "type": "sequence", "error": ..., "counts": {sel: n} in the
    SVG it drew, "texts": the text of its <text> elements}."""
    argv = ["node", str(SCRIPT), "mermaid", str(mmd)]
    for sel in selectors:
        argv += ["--count", sel]
    if screenshot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        argv += ["--screenshot", str(SHOTS / screenshot)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)
