#!/usr/bin/env python3
"""Settles a stay through libmedsettle's C ABI with ctypes (standard library only).

    python3 settle.py [/path/to/libmedsettle.so]

The library is the path given as the argument, else $MEDSETTLE_LIB, else the
system's libmedsettle.so.0. The ownership rules of medsettle.h apply: every
string the library returns is freed with medsettle_string_free, the plan and
the ledger with their own _free functions.
"""
import ctypes
import json
import os
import sys
from decimal import Decimal

MEDSETTLE_OK, MEDSETTLE_REJECTED = 0, 1
MEDSETTLE_TRACE = 1


def load(path):
    lib = ctypes.CDLL(path)
    handle, handle_out = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
    text_out, size_out = ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
    signatures = {
        "medsettle_version": (ctypes.c_char_p, []),
        "medsettle_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "medsettle_last_error": (ctypes.c_char_p, []),
        "medsettle_string_free": (None, [ctypes.c_void_p]),
        "medsettle_plan_default": (ctypes.c_int, [handle_out]),
        "medsettle_plan_load_file": (ctypes.c_int, [ctypes.c_char_p, handle_out]),
        "medsettle_plan_free": (None, [handle]),
        "medsettle_plan_id": (ctypes.c_char_p, [handle]),
        "medsettle_plan_digest": (ctypes.c_char_p, [handle]),
        "medsettle_ledger_new": (ctypes.c_int, [handle, handle_out]),
        "medsettle_ledger_free": (None, [handle]),
        "medsettle_settle_json": (ctypes.c_int, [handle, handle, ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.c_uint, text_out, size_out]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


class MedsettleError(Exception):
    pass


class Medsettle:
    """One plan and one person's ledger; a rejected stay is a result, not an error."""

    def __init__(self, lib, rule_file=None):
        self.lib = lib
        self.plan, self.ledger = ctypes.c_void_p(), ctypes.c_void_p()
        if rule_file:
            self._check(lib.medsettle_plan_load_file(os.fsencode(rule_file), ctypes.byref(self.plan)))
        else:
            self._check(lib.medsettle_plan_default(ctypes.byref(self.plan)))
        self._check(lib.medsettle_ledger_new(self.plan, ctypes.byref(self.ledger)))

    def _check(self, status):
        if status not in (MEDSETTLE_OK, MEDSETTLE_REJECTED):
            name = self.lib.medsettle_status_name(status).decode()
            raise MedsettleError(f"{name}: {self.lib.medsettle_last_error().decode()}")
        return status

    def settle(self, stay, trace=False):
        """Returns (True, settlement) or (False, rejection), both as dicts."""
        text = json.dumps(stay, ensure_ascii=False).encode()
        out, out_len = ctypes.c_void_p(), ctypes.c_size_t()
        status = self._check(self.lib.medsettle_settle_json(
            self.plan, self.ledger, text, len(text), MEDSETTLE_TRACE if trace else 0,
            ctypes.byref(out), ctypes.byref(out_len)))
        try:
            result = json.loads(ctypes.string_at(out, out_len.value).decode())
        finally:
            self.lib.medsettle_string_free(out)
        return status == MEDSETTLE_OK, result

    def close(self):
        self.lib.medsettle_ledger_free(self.ledger)  # before its plan
        self.lib.medsettle_plan_free(self.plan)
        self.plan = self.ledger = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MEDSETTLE_LIB", "libmedsettle.so.0")
    lib = load(path)
    stay = {"stay_id": "S1", "person_id": "P1", "age": 40, "hospital_level": "county", "region": "in_county",
            "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"],
            "fees": [{"category": "A", "amount": "10000.00"}]}
    with Medsettle(lib) as m:
        plan_id = lib.medsettle_plan_id(m.plan).decode()
        print(f"medsettle {lib.medsettle_version().decode()}, rule set {plan_id}")
        settled, s = m.settle(stay)
        assert settled, s
        # Money comes as decimal strings: read it with Decimal, never float.
        for c in s["channels"]:
            print(f"  {c['id']:16} eligible {str(c['eligible']):5}  paid {Decimal(c['paid']):>10}")
        print(f"  hifp_pay {s['hifp_pay']}, patient pays {s['psn_part_amt']}")
        # basic insurance, county hospital: 0.75 x (10000.00 - 500.00) = 7125.00
        if Decimal(s["hifp_pay"]) != Decimal("7125.00"):
            print(f"unexpected hifp_pay {s['hifp_pay']}", file=sys.stderr)
            return 1

        bad = dict(stay, stay_id="S2", fees=[{"category": "A", "amount": "-5"}])
        settled, r = m.settle(bad)
        print(f"  {r['stay_id']} rejected: {r['error']['code']}: {r['error']['message']}")
        if settled or r["error"]["code"] != "bad_amount":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
