#!/usr/bin/python3
"""bench.py - the rapid-restart scenario N times by bindlab and by its two
baselines (baseline-bare.c, baseline-by-hand.sh); prints median and p90 of
world set-up, capture ready, verdict and whole-process wall time, in ms.

    /usr/bin/python3 bench/bench.py [--times 50] [--bindlab build/bindlab]
    /usr/bin/python3 bench/bench.py --library scenarios -j 2 [--times 5]
    /usr/bin/python3 bench/bench.py --render [--times 50]

--render: what the pictures cost.  Each renderer's time on real results
(bench/render-time.c: the demo rendered 200 times, every run of the library
20 times; medians), the files the demo writes (--html, --svg, --mermaid),
and the verdict and process wall of the demo with and without --html, run
in pairs (A B A B ...), and of the library with and without --html.
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


FORMATS = ["text", "json", "html", "svg", "mermaid"]


def render_times(tool, files, n):
    """{(file, variant): {format: (bytes, ns)}} from bench/render-time.c."""
    p = subprocess.run([tool, "-n", str(n), *files], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr)
    out = {}
    for line in p.stdout.splitlines():
        f, var, fmt, size, ns, _ = line.split("\t")
        out.setdefault((f, var), {})[fmt] = (int(size), int(ns))
    return out


def demo_files(bindlab):
    """Bytes of the files `run --html/--svg/--mermaid` writes for the demo."""
    with tempfile.TemporaryDirectory() as d:
        outs = {k: Path(d) / f"demo.{k}" for k in ("html", "svg", "mmd")}
        subprocess.run([bindlab, "run", "-q", SCN, "--html", str(outs["html"]), "--svg",
                        str(outs["svg"]), "--mermaid", str(outs["mmd"])], cwd=ROOT, check=True,
                       capture_output=True)
        return {k: v.stat().st_size for k, v in outs.items()}


def with_and_without(bindlab, times, extra):
    """Verdict and process wall (ms) of the demo, without and with extra
    options, run in pairs so that drift of the machine falls on both."""
    rows = {False: [], True: []}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(times):
            for on in (False, True):
                js = Path(d) / "r.json"
                argv = [bindlab, "run", "-q", SCN, "--json", str(js)]
                argv += [a.replace("DIR", d) for a in extra] if on else []
                t = time.monotonic()
                subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
                wall = (time.monotonic() - t) * 1e3
                run = json.loads(js.read_text())["runs"][0]
                rows[on].append((run["timing"]["verdict_ns"] / 1e6, wall))
    return summary(rows[False]), summary(rows[True])


def library_with_and_without(bindlab, times, jobs=2):
    walls = {False: [], True: []}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(times):
            for on in (False, True):
                argv = [bindlab, "run", "-q", "-j", str(jobs), "scenarios"]
                argv += ["--html", f"{d}/library.html"] if on else []
                t = time.monotonic()
                subprocess.run(argv, cwd=ROOT, capture_output=True)
                walls[on].append(time.monotonic() - t)
        size = Path(f"{d}/library.html").stat().st_size
    return statistics.median(walls[False]), statistics.median(walls[True]), size


def render(a):
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.scn"))
    demo = render_times(a.render_time, [SCN], 200)[(SCN, "")]
    lib = render_times(a.render_time, files, 20)
    print(f"renderers, kernel {os.uname().release}, {os.cpu_count()} cores; median of 200 "
          "renders (demo), of 20 per run (library)")
    print(f"{'format':8} {'demo bytes':>11} {'demo us':>9} {'library ms':>11} "
          f"{'slowest run us':>15}")
    for fmt in FORMATS:
        tot = sum(r[fmt][1] for r in lib.values()) / 1e6
        worst = max(lib.items(), key=lambda kv: kv[1][fmt][1])
        print(f"{fmt:8} {demo[fmt][0]:11d} {demo[fmt][1] / 1e3:9.1f} {tot:11.2f} "
              f"{worst[1][fmt][1] / 1e3:15.1f}  ({worst[0][0]})")
    print(f"library: {len(lib)} runs of {len(files)} files (slow ones left out)")
    sizes = demo_files(a.bindlab)
    print("demo files: " + ", ".join(f"--{'mermaid' if k == 'mmd' else k} {v} bytes"
                                     for k, v in sizes.items()))
    off, on = with_and_without(a.bindlab, a.times, ["--html", "DIR/demo.html"])
    print(f"demo, {a.times} pairs; median / p90 in ms      verdict            process wall")
    for name, s in (("without --html", off), ("with --html", on)):
        print(f"  {name:16} {s[0][0]:7.2f} /{s[0][1]:6.2f}   {s[1][0]:7.2f} /{s[1][1]:6.2f}")
    l_off, l_on, l_size = library_with_and_without(a.bindlab, 5)
    print(f"library -j 2, 5 pairs, median wall: {l_off:.2f} s without --html, {l_on:.2f} s "
          f"with (one page of every run: {l_size} bytes)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, default=50)
    ap.add_argument("--bindlab", default=str(ROOT / "build/bindlab"))
    ap.add_argument("--bare", default=str(ROOT / "build/bench/baseline-bare"))
    ap.add_argument("--library")
    ap.add_argument("--render", action="store_true", help="what the pictures cost")
    ap.add_argument("--render-time", default=str(ROOT / "build/bench/render-time"))
    ap.add_argument("-j", type=int, default=os.cpu_count())
    a = ap.parse_args()
    if a.library:
        library(a.bindlab, a.library, a.j, a.times)
        return
    if a.render:
        render(a)
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
