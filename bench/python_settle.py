#!/usr/bin/env python3
"""The cost of settling from a DataFrame against the command on the same
stays (bench/README.md, "Python"; issue 17: at most 2x for 1,000,000 stays).

The population file is loaded into a DataFrame first (amounts read as
Decimals, never floats; not timed), then `medsettle settle --threads N` on
the file and `plan.settle(frame, threads=N)` are timed in turns, `--runs`
times each (the machine is shared: turns keep the noise fair to both).

    ./build/medsettle generate --persons 495000 --seed 7 --year 2018 --out /tmp/m1.jsonl
    PYTHONPATH=build/python /usr/bin/python3 bench/python_settle.py /tmp/m1.jsonl \\
        --command ./build/medsettle --threads 2 --runs 3
"""
import argparse
import json
import resource
import subprocess
import time
from decimal import Decimal

import pandas as pd

import medsettle


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def timed(f):
    start = time.perf_counter()
    result = f()
    return result, time.perf_counter() - start


def timed_cpu(f, who):
    """f's result, its wall-clock seconds and the CPU seconds (user + system, every thread) of `who`."""
    before = cpu(who)
    result, wall = timed(f)
    return result, wall, cpu(who) - before


def load(path):
    with open(path, encoding="utf-8") as lines:
        return pd.DataFrame([json.loads(line, parse_float=Decimal) for line in lines])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path")
    p.add_argument("--command", default="medsettle", help="the medsettle command to compare with")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", default="/tmp/python_settle.out", help="where the command writes its settlements")
    a = p.parse_args()
    plan = medsettle.builtin()
    frame, t_load = timed(lambda: load(a.path))
    print(f"{len(frame)} stays loaded into a DataFrame in {t_load:.1f} s (not timed below)")
    command = [a.command, "settle", "--threads", str(a.threads), "--in", a.path, "--out", a.out]
    for run in range(1, a.runs + 1):
        _, w_command, c_command = timed_cpu(lambda: subprocess.run(command, check=True), resource.RUSAGE_CHILDREN)
        (settled, rejected), w_frame, c_frame = timed_cpu(lambda: plan.settle(frame, threads=a.threads),
                                                          resource.RUSAGE_SELF)
        print(f"run {run}: command {w_command:.2f} s ({c_command:.2f} s CPU); plan.settle(frame) {w_frame:.2f} s "
              f"({c_frame:.2f} s CPU); ratio {w_frame / w_command:.2f} ({c_frame / c_command:.2f} CPU); "
              f"{len(settled)} settled, {len(rejected)} rejected", flush=True)


if __name__ == "__main__":
    main()
