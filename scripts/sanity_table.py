#!/usr/bin/env python3
"""Reimbursement ratios of each scheme on a synthetic population, beside the
figures the seed documents report (rules/README.md, "Sanity against the seeds").

Usage: scripts/sanity_table.py BUILD_DIR [PERSONS] [SEED]

Generates one population (medsettle generate, year 2019), settles it under
each rule file, and prints a Markdown table. Amounts are summed as exact
decimals (the settlements write money as strings); the ratios are for display.
Definitions:
  ratio     = 1 - patient pays / total           (实际报销比例: everything the funds and the hospital bear)
  in-scope  = 1 - in_scope left to the patient / in_scope   (政策范围内报销比例; from `settle --itemize`)
  poor      = the stay holds registered_poor, dibao, tekun or poor_disabled
  in-county = region in_county
"""
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

POOR = {"registered_poor", "dibao", "tekun", "poor_disabled"}
SEEDS = {
    "hunan": "(no outcome figure in seed 004)",
    "zhuzhou": "poor inpatients > 85% (seed 000)",
    "funing": "in-county ≥ 90% (seed 000)",
    "zhenba": "poor, in-scope 80%–85% (seed 001)",
    "xuchang": "poor ≈ 90% (seed 002)",
    "linxian": "84.2% (amounts), stated 91.6% (seed 003)",
}


def main():
    build = Path(sys.argv[1])
    persons = sys.argv[2] if len(sys.argv) > 2 else "60000"
    seed = sys.argv[3] if len(sys.argv) > 3 else "2019"
    root = Path(__file__).resolve().parent.parent
    ms = build / "medsettle"
    stays = build / "sanity.stays.jsonl"
    subprocess.run([ms, "generate", "--persons", persons, "--seed", seed, "--year", "2019", "--out", stays],
                   check=True, stderr=subprocess.DEVNULL)
    info = {}
    with open(stays, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            info[s["stay_id"]] = (bool(POOR & set(s.get("identities") or [])), s["region"] == "in_county")
    rows = []
    for scheme in ["hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"]:
        out = subprocess.run([ms, "settle", "--itemize", "--rules", root / "rules" / f"{scheme}.yaml", "--in", stays],
                             check=False, capture_output=True, text=True)
        sums = {}  # group -> [total, patient, in_scope, count]

        def add(group, total, patient, in_scope):
            t = sums.setdefault(group, [Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0])
            t[0] += total
            t[1] += patient
            t[2] += in_scope[0]
            t[3] += in_scope[1]
            t[4] += 1

        for line in out.stdout.splitlines():
            s = json.loads(line)
            poor, county = info[s["stay_id"]]
            total, patient, in_scope = (Decimal(s[k]) for k in ("medfee_sumamt", "psn_part_amt", "inscp_scp_amt"))
            in_scope_paid = sum(Decimal(c["taken"]["in_scope"]) for c in s["itemization"])
            in_scope = (in_scope, in_scope - in_scope_paid)  # (in scope, in scope left to the patient)
            add("all", total, patient, in_scope)
            add("poor" if poor else "non-poor", total, patient, in_scope)
            if county:
                add("in-county", total, patient, in_scope)
                if poor:
                    add("poor in-county", total, patient, in_scope)

        def ratio(group):
            t, p = sums[group][0], sums[group][1]
            return f"{100 * (1 - p / t):.1f}%"

        def in_scope_ratio(group):
            s, left = sums[group][2], sums[group][3]
            return f"{100 * (1 - left / s):.1f}%"

        stays_n = sums["all"][4]
        rows.append(f"| `{scheme}` | {stays_n:,} | {ratio('all')} | {ratio('poor')} | {ratio('non-poor')} | "
                    f"{ratio('in-county')} | {ratio('poor in-county')} | {in_scope_ratio('poor')} | {SEEDS[scheme]} |")
    print("| scheme | stays | ratio, all | poor | non-poor | in-county | poor in-county | poor, in-scope | seed reports |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
