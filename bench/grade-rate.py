#!/usr/bin/python3
"""grade-rate.py - how fast `bindlab grade --class` grades a class: a class of
N submissions of one lab (the staff's solution, the starter and each wrong fix,
in turn, so that passes, failures and hidden checks all run) graded with -j 1,
2 and 4; prints, per -j, the wall time, submissions per minute, and the CPU
time (user + system, of bindlab and everything it started) and the wall time
of one submission (median of results.json's execution_time).

    sudo /usr/bin/python3 bench/grade-rate.py [--lab 2] [--students 40] [--jobs 1,2,4]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lab_dir(n):
    return next(p for p in sorted((ROOT / "labs").iterdir()) if p.name.startswith(f"{n:02d}-"))


def make_class(lab, students, dest):
    staff = ROOT / "staff" / lab.name
    patches = [staff / "solution" / "change.patch", None]
    patches += sorted((staff / "wrong").glob("*/change.patch"))
    program = [line.split(":", 1)[1].strip() for line in (lab / "lab.conf").read_text().splitlines()
               if line.startswith("program:")][0]
    for i in range(students):
        d = dest / f"student-{i:03d}"
        shutil.copytree(lab / "starter", d, ignore=shutil.ignore_patterns(program))
        patch = patches[i % len(patches)]
        if patch:
            subprocess.run(["patch", "-s", "-p1", "-d", str(d), "-i", str(patch)], check=True)


def grade(bindlab, lab, cls, out, jobs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.run([bindlab, "grade", lab.name[:2], "--class", str(cls), "--out", str(out),
                        "-j", str(jobs)], capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(p.stdout + p.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    each = [json.loads(f.read_text())["extra_data"]["ms"] / 1e3 for f in out.glob("*/results.json")]
    return wall, cpu, each


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lab", type=int, default=2)
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--jobs", default="1,2,4")
    ap.add_argument("--bindlab", default=str(ROOT / "build" / "bindlab"))
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("grade-rate.py: bindlab grade needs root")
    lab = lab_dir(a.lab)
    print(f"kernel {os.uname().release}, {os.cpu_count()} cores; lab {lab.name}, "
          f"{a.students} submissions")
    print(f"{'-j':>3} {'wall s':>8} {'subs/min':>9} {'cpu s/sub':>10} {'wall s/sub median':>18} "
          f"{'mean':>6} {'max':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        cls = Path(tmp) / "class"
        cls.mkdir()
        make_class(lab, a.students, cls)
        for jobs in (int(j) for j in a.jobs.split(",")):
            out = Path(tmp) / f"out-{jobs}"
            wall, cpu, each = grade(a.bindlab, lab, cls, out, jobs)
            print(f"{jobs:>3} {wall:>8.1f} {a.students / wall * 60:>9.1f} "
                  f"{cpu / a.students:>10.2f} {statistics.median(each):>18.2f} "
                  f"{statistics.mean(each):>6.2f} {max(each):>6.2f}")


if __name__ == "__main__":
    main()
