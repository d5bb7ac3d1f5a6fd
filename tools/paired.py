#!/usr/bin/env python3
"""Paired timing of two or more fargate-sim binaries on one scenario.

On a shared machine a run's time moves by several percent from one minute
to the next, so two binaries timed apart cannot be told apart below that.
This runs them in turn, N rounds, and reports for each the medians of the
simulation thread's CPU seconds (FARGATE_SIM_TIMINGS=1), the wall time and
the process's CPU time (getrusage), and the median of its paired
differences from the first binary, round by round (issue 24).

    tools/paired.py SCENARIO.toml N BIN_A BIN_B [BIN ...]

With RECORDS=1 in the environment the runs write tasks.parquet too
(by default they pass --no-task-records). Outputs go to temporary folders.
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    toml, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    records = bool(os.environ.get("RECORDS"))
    env = dict(os.environ, FARGATE_SIM_TIMINGS="1")
    results = {b: {"sim": [], "wall": [], "cpu": []} for b in bins}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for i, b in enumerate(bins):
                out = os.path.join(tmp, str(i))
                # An empty folder and a quiet disk for each run: replacing the
                # previous run's tasks.parquet would time its deletion too.
                shutil.rmtree(out, ignore_errors=True)
                os.sync()
                cmd = [b, "run", toml, "--quiet", "--force", "--out", out]
                if not records:
                    cmd.append("--no-task-records")
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                p = subprocess.run(cmd, env=env, capture_output=True, text=True)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if p.returncode != 0:
                    sys.exit(f"{b} failed (exit {p.returncode}):\n{p.stderr}")
                sim = [
                    float(line.split("s wall")[1].split()[0])
                    for line in p.stderr.splitlines()
                    if line.startswith("timing: simulated ")
                ]
                r = results[b]
                r["sim"].append(sum(sim))
                r["wall"].append(wall)
                r["cpu"].append(
                    after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                )
    base = results[bins[0]]
    med = statistics.median
    for b in bins:
        r = results[b]
        d = {k: med(x - y for x, y in zip(r[k], base[k])) for k in r}
        print(
            f"{os.path.basename(b):16s} simulation thread {med(r['sim']):.4f} CPU-s"
            f"  wall {med(r['wall']):.4f} s (min {min(r['wall']):.4f})"
            f"  process {med(r['cpu']):.4f} CPU-s"
            f"  | paired with {os.path.basename(bins[0])}:"
            f" {d['sim']:+.4f} {d['wall']:+.4f} {d['cpu']:+.4f}"
        )


if __name__ == "__main__":
    main()
