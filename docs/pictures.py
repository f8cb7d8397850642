#!/usr/bin/python3
"""Draw the pictures the docs and the labs show: `make pictures`.

    docs/pictures/demo.svg     the README's demo, scenarios/timewait/server-closes-first.scn
    labs/NN-slug/key.svg       each lab's key scenario: the `key:` line of its lab.conf

Each is `bindlab run --svg` of a real run on this machine's kernel; a run that
does not pass draws nothing and fails (a handout must not show a failure as
the lesson).  `--out DIR` writes the same files under DIR instead (the test).

Up to date, for tests/e2e/test_pictures.py, means: a fresh run draws the same
picture up to what differs from run to run on one kernel.  Compared: how
many elements of each tag and class, the stylesheet, and the text of every
<text> and <title> (sorted) with these masked: times and durations
("14.208 ms", "took 19 us", "60.0 s left", a gap's "1.3 s"), wall-clock
timestamps, ephemeral ports (32768 and up: the kernel picks them), TCP
sequence and acknowledgement numbers (random per connection) and the kernel
release.  Left out: bare ACKs (the delayed-ACK timer decides whether one is
sent alone: about 1 run in 40 here has one more), coordinates and sizes
(they follow the text and the gaps' timing) and the order of rows (a packet
and a call microseconds apart may swap).  So a new step, another result,
another socket in the way, a renderer that draws another element or another
colour makes a picture stale; a new ephemeral port or a late ACK does not."""
import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDLAB = Path(os.environ.get("BINDLAB", ROOT / "build" / "bindlab"))
DEMO = "scenarios/timewait/server-closes-first.scn"
SVG = "{http://www.w3.org/2000/svg}"


def lab_key(lab):
    """The `key:` of labs/NN-slug/lab.conf (grade/lab.c reads the same file)."""
    for line in (lab / "lab.conf").read_text().splitlines():
        k, _, v = line.partition(":")
        if k.strip() == "key":
            return v.strip()
    raise SystemExit(f"{lab / 'lab.conf'}: no 'key:' line (the scenario its key.svg draws)")


def pictures():
    """[(scenario, picture)], paths relative to the repository."""
    out = [(DEMO, "docs/pictures/demo.svg")]
    for lab in sorted((ROOT / "labs").glob("[0-9][0-9]-*/")):
        rel = lab.relative_to(ROOT)
        out.append((str(rel / lab_key(lab)), str(rel / "key.svg")))
    return out


def draw(scn, svg):
    svg.parent.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([str(BINDLAB), "run", "-q", "--no-color", "--svg", str(svg), scn],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{scn} did not pass, so {svg} is not drawn:\n{p.stdout}{p.stderr}")


MASKS = [
    (re.compile(r"\(\d{9,}\.\d+\)"), "(TIMESTAMP)"),
    (re.compile(r"\b\d+(\.\d+)? (ns|us|µs|ms|s|min)\b"), "N \\2"),
    (re.compile(r"(?<=:)(3[2-9]\d{3}|[4-6]\d{4})\b"), "EPHEMERAL"),
    (re.compile(r"\bgot port \d+"), "got port EPHEMERAL"),
    (re.compile(r"\b(seq|ack) \d+"), "\\1 N"),
    (re.compile(r"\bkernel \S+"), "kernel K"),
]


def mask(text):
    for rx, sub in MASKS:
        text = rx.sub(sub, text)
    return text


BARE_ACK = re.compile(r" tcp \. seq \d+ ack \d+ len 0 ")


def bare_acks(root):
    """The arrows of bare ACKs, with the time label of their row: whether the
    kernel sends one on its own or folds it into its next segment depends on
    the delayed-ACK timer, so one comes and goes between runs."""
    skip = set()
    for parent in root.iter():
        kids = list(parent)
        for i, el in enumerate(kids):
            title = el.find(SVG + "title")
            if el.get("class") == "pkt" and title is not None and \
                    BARE_ACK.search("".join(title.itertext())):
                skip.update(el.iter())
                if i and kids[i - 1].get("class") == "t":
                    skip.add(kids[i - 1])
    return skip


def stable(svg_text):
    """What of a picture must not change between two runs (see the top): how
    many elements of each tag and class, the stylesheet, and every text,
    masked, in sorted order (a packet and a call a few microseconds apart may
    swap rows)."""
    root = ET.fromstring(svg_text)
    skip = bare_acks(root)
    elements, texts, style = Counter(), [], []
    for el in root.iter():
        if el in skip:
            continue
        tag = el.tag.replace(SVG, "")
        elements[tag, el.get("class", "")] += 1
        if tag in ("text", "title"):
            texts.append(mask("".join(el.itertext())))
        if tag == "style":
            style.append(el.text or "")
    return {"elements": elements, "style": style, "texts": sorted(texts)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT), help="write under DIR, not the repository")
    a = ap.parse_args()
    for scn, pic in pictures():
        draw(scn, Path(a.out) / pic)
        print(f"{pic}  <- {scn}")


if __name__ == "__main__":
    sys.exit(main())
