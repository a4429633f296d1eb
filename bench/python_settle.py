#!/usr/bin/env python3
"""The cost of settling from Python (bench/README.md, "Python"): one
population file settled from its path, from a DataFrame of the same stays
(amounts read as Decimals, never floats), and from its path with
money="decimal", one thread each; compare with `medsettle settle --threads 1`.

    ./build/medsettle generate --persons 100000 --seed 1 --out /tmp/pop.jsonl
    PYTHONPATH=build/python /usr/bin/python3 bench/python_settle.py /tmp/pop.jsonl
"""
import json
import sys
import time
from decimal import Decimal

import pandas as pd

import medsettle
from medsettle import _frames


def timed(f):
    start = time.perf_counter()
    result = f()
    return result, time.perf_counter() - start


def main(path):
    plan = medsettle.builtin()
    (settled, _), t_path = timed(lambda: plan.settle(path))
    frame = pd.DataFrame([json.loads(line, parse_float=Decimal) for line in open(path, encoding="utf-8")])
    _, t_text = timed(lambda: _frames.to_source(frame))
    (from_frame, rejected), t_frame = timed(lambda: plan.settle(frame))
    _, t_decimal = timed(lambda: plan.settle(path, money="decimal"))
    assert from_frame.equals(settled) and rejected.empty
    print(f"{len(settled)} stays: path {t_path:.2f} s; DataFrame {t_frame:.2f} s "
          f"(of which to JSON Lines {t_text:.2f} s); path, money=decimal {t_decimal:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
