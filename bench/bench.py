#!/usr/bin/python3
"""bench.py - the rapid-restart scenario N times by bindlab and by its two
baselines (baseline-bare.c, baseline-by-hand.sh); prints median and p90 of
world set-up, capture ready, verdict and whole-process wall time, in ms.

    /usr/bin/python3 bench/bench.py [--times 50] [--bindlab build/bindlab]
    /usr/bin/python3 bench/bench.py --library scenarios -j 2 [--times 5]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCN = "scenarios/timewait/server-closes-first.scn"
LINE = re.compile(r"^PASS world_ms=([\d.]+) capture_ms=([\d.]+) verdict_ms=([\d.]+)$", re.M)


def run_bindlab(bindlab):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        t = time.monotonic()
        p = subprocess.run([bindlab, "run", "-q", SCN, "--json", f.name], cwd=ROOT,
                           capture_output=True, text=True)
        wall = (time.monotonic() - t) * 1e3
        if p.returncode != 0:
            raise RuntimeError(p.stdout + p.stderr)
        j = json.loads(Path(f.name).read_text())["runs"][0]
    t = j["timing"]
    return t["world_ns"] / 1e6, t["capture_ns"] / 1e6, t["verdict_ns"] / 1e6, wall


def run_baseline(argv):
    t = time.monotonic()
    p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    wall = (time.monotonic() - t) * 1e3
    m = LINE.search(p.stdout)
    if p.returncode != 0 or not m:
        raise RuntimeError(p.stdout + p.stderr)
    return float(m[1]), float(m[2]), float(m[3]), wall


def summary(rows):
    cols = list(zip(*rows))
    out = []
    for c in cols:
        c = sorted(c)
        out.append((statistics.median(c), c[min(len(c) - 1, int(len(c) * 0.9))]))
    return out


def library(bindlab, path, jobs, times):
    walls = []
    for _ in range(times):
        t = time.monotonic()
        p = subprocess.run([bindlab, "run", "-q", "-j", str(jobs), path], cwd=ROOT,
                           capture_output=True, text=True)
        walls.append(time.monotonic() - t)
        last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr.strip()
    print(f"library {path} -j {jobs}: median {statistics.median(walls):.2f} s wall over "
          f"{times} runs ({last})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, default=50)
    ap.add_argument("--bindlab", default=str(ROOT / "build/bindlab"))
    ap.add_argument("--bare", default=str(ROOT / "build/bench/baseline-bare"))
    ap.add_argument("--library")
    ap.add_argument("-j", type=int, default=os.cpu_count())
    a = ap.parse_args()
    if a.library:
        library(a.bindlab, a.library, a.j, a.times)
        return
    contenders = [
        ("bindlab", lambda: run_bindlab(a.bindlab)),
        ("bare C", lambda: run_baseline([a.bare])),
        ("by hand", lambda: run_baseline(["bash", str(ROOT / "bench/baseline-by-hand.sh")])),
    ]
    print(f"rapid restart, {a.times} runs each, kernel {os.uname().release}, "
          f"{os.cpu_count()} cores; median / p90 in ms")
    print(f"{'':10} {'world':>15} {'capture ready':>15} {'verdict':>15} {'process wall':>15}")
    med = {}
    for name, fn in contenders:
        try:
            rows = [fn() for _ in range(a.times)]
        except (RuntimeError, OSError) as e:
            print(f"{name:10} n/a ({str(e).strip().splitlines()[-1] if str(e).strip() else e})")
            continue
        s = summary(rows)
        med[name] = [m for m, _ in s]
        print(f"{name:10} " + " ".join(f"{m:7.2f} /{p:6.2f}" for m, p in s))
    if "bindlab" in med and "bare C" in med:
        print(f"bindlab / bare C, verdict: {med['bindlab'][2] / med['bare C'][2]:.2f}x")
    if "bindlab" in med and "by hand" in med:
        print(f"by hand / bindlab, verdict: {med['by hand'][2] / med['bindlab'][2]:.1f}x; "
              f"process wall: {med['by hand'][3] / med['bindlab'][3]:.1f}x")


if __name__ == "__main__":
    main()
