"""Translation between Python values and the library's: stays to the JSON
Lines of INTERCHANGE.md (read by the library's own reader, so that a stay
is checked exactly as by the command), and the native module's columns to
DataFrames. Money never passes through a float."""
import datetime
import json
import math
import numbers
import os
from decimal import Decimal

import numpy as np
import pandas as pd

from . import _native

MONEY_MODES = ("fen", "decimal")


class JsonLines(str):
    """Stays as JSON Lines text (INTERCHANGE.md), as opposed to a file name."""


def yuan_text(fen):
    """An exact amount of fen as the yuan text INTERCHANGE.md reads: 123450 -> "1234.50"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _absent(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class _Refused(TypeError):
    """A value that cannot go in; `path` names where, filled in on the way out."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem, self.path = problem, ""


def _plain(value, key, top):
    """A value fit for JSON: ints, Decimals (as text), strings, dates, lists, dicts.
    A float is refused unless it is a whole number a DataFrame column with
    missing values made float (a top-level field such as `age`, or fen)."""
    kind = type(value)  # the common types first, by identity: isinstance on ABCs is slow
    if kind is str:
        return value
    if kind is int and not key.endswith("_fen"):
        return value
    if kind is Decimal and not key.endswith("_fen"):
        return str(value)
    if kind is dict:
        return _plain_dict(value)
    if kind is list or isinstance(value, (tuple, np.ndarray, pd.Series)):
        return _plain_list(value, key)
    return _plain_scalar(value, key, top)


def _plain_scalar(value, key, top):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return yuan_text(int(value)) if key.endswith("_fen") else int(value)
    if isinstance(value, Decimal):
        raise _Refused(f"must be whole fen (an int), not {value!r}")
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer() and (top or key.endswith("_fen")):
            return _plain(int(value), key, top)
        raise _Refused(f"is a float ({value!r}): give money as int fen (`{key}_fen`) "
                       "or as Decimal or str yuan; floats are never taken for money")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (datetime.date, pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, dict):
        return _plain_dict(value)
    raise _Refused(f"cannot be written as JSON: {type(value).__name__}")


def _plain_list(values, key):
    out, i = [], 0
    try:
        for i, v in enumerate(values):
            out.append(_plain(v, key, False))
    except _Refused as e:
        e.path = f"[{i}]{e.path}"
        raise
    return out


def _plain_dict(d):
    out, key = {}, ""
    try:
        for key, value in d.items():
            if not _absent(value):
                out[key[:-4] if key.endswith("_fen") else key] = _plain(value, key, False)
    except _Refused as e:
        e.path = f".{key}{e.path}"
        raise
    return out


def stay_json(items, number):
    """One stay, given as (key, value) pairs (dotted keys such as "buckets.total_fen"
    nest), as a JSON line. Keys ending in `_fen` hold whole fen and are written as
    yuan under the name without `_fen`; missing values (None, NA, NaN) are left out."""
    stay, key = {}, ""
    try:
        for key, value in items:
            if _absent(value):
                continue
            if "." not in key:
                stay[key[:-4] if key.endswith("_fen") else key] = _plain(value, key, True)
                continue
            *outer, last = key.split(".")
            place = stay
            for part in outer:
                place = place.setdefault(part, {})
            place[last[:-4] if last.endswith("_fen") else last] = _plain(value, last, False)
    except _Refused as e:
        raise TypeError(f"stay {number}: {key}{e.path} {e.problem}") from None
    return json.dumps(stay, ensure_ascii=False, separators=(",", ":"))


def frame_columns(frame):
    """A DataFrame's columns as the native module reads them: ("int", int64
    array) for NumPy integer columns, ("datetime", nanoseconds as int64) for
    datetime64[ns] ones, ("object", object array) for any other."""
    columns = []
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "i":
            columns.append(("int", np.ascontiguousarray(column.to_numpy(), dtype=np.int64)))
        elif isinstance(dtype, np.dtype) and dtype == np.dtype("datetime64[ns]"):
            columns.append(("datetime", np.ascontiguousarray(column.to_numpy()).view(np.int64)))
        else:
            columns.append(("object", np.ascontiguousarray(column.to_numpy(dtype=object))))
    return columns


def to_source(stays):
    """A native Source: a path (str or os.PathLike; .csv read as CSV), JSON
    Lines text (JsonLines or bytes), a DataFrame (one row a stay), a list of
    dicts or one dict. Row i is line i (1-based), as rejections say. A
    DataFrame is read straight from its columns (python/frame_stays.cpp)
    unless a column name is dotted; anything else goes as JSON Lines."""
    if isinstance(stays, pd.DataFrame) and not any("." in str(c) for c in stays.columns):
        names = [str(c) for c in stays.columns]
        return _native.frame_source(names, frame_columns(stays), len(stays))
    return jsonl_source(stays)


def jsonl_source(stays):
    """to_source, with a DataFrame or a list written as JSON Lines text
    (python/json_rows.cpp; _frames.stay_json for dotted names)."""
    if isinstance(stays, JsonLines):
        return _native.Source(str(stays), False)
    if isinstance(stays, bytes):
        return _native.Source(stays.decode("utf-8"), False)
    if isinstance(stays, (str, os.PathLike)):
        return _native.Source(os.fspath(stays), True)
    if isinstance(stays, dict):
        stays = [stays]
    if isinstance(stays, pd.DataFrame):  # column by column: much faster than to_dict("records")
        names = [str(c) for c in stays.columns]
        columns = [stays.iloc[:, j].tolist() for j in range(len(names))]
        if not any("." in n for n in names):  # the same, in C++ (python/json_rows.cpp)
            return _native.columns_source(names, columns, len(stays))
        lines = [stay_json(zip(names, row), i) for i, row in enumerate(zip(*columns), start=1)]
    else:
        stays = list(stays)
        if all(type(row) is dict and not any("." in str(k) for k in row) for row in stays):
            return _native.dicts_source(stays)
        lines = [stay_json(row.items(), i) for i, row in enumerate(stays, start=1)]
    return _native.Source("\n".join(lines), False)


def objects(values):
    """Python objects as a pandas object column, without NumPy inspecting each for a sequence."""
    values = list(values)
    return pd.arrays.PandasArray(np.fromiter(values, dtype=object, count=len(values)))


def money_array(fen, money):
    """A money column: pandas Int64 of fen, or Python Decimals of yuan."""
    if money == "fen":
        return pd.array(fen, dtype="Int64")
    return objects(Decimal(v).scaleb(-2) for v in np.asarray(fen).tolist())


def money_name(field, money):
    return f"{field}_fen" if money == "fen" else field


def check_money(money):
    if money not in MONEY_MODES:
        raise ValueError(f"money: {money!r}: expected one of {', '.join(MONEY_MODES)}")


def settlement_frame(columns, money):
    """One row a settlement: stay_id, person_id, rules, version, digest, the
    money fields of INTERCHANGE.md, then `<channel>_paid` for every channel of
    the rule set (missing where the version applied has no such channel)."""
    frame = {key: objects(columns[key]) for key in ("stay_id", "person_id", "rules", "version", "digest")}
    for field, fen in columns["money"]:
        frame[money_name(field, money)] = money_array(fen, money)
    for slot, fen, present in columns["channels"]:
        values = money_array(fen, money)
        values[~np.asarray(present, dtype=bool)] = pd.NA if money == "fen" else None
        frame[money_name(f"{slot}_paid", money)] = values
    return pd.DataFrame(frame)


def rejection_frame(columns):
    """One row a rejection: stay_id (None when unreadable), line, code, field (None when no single
    field is at fault), message."""
    return pd.DataFrame({
        "stay_id": objects(columns["stay_id"]),
        "line": pd.array(columns["line"], dtype="Int64"),
        "code": objects(columns["code"]),
        "field": objects(columns["field"]),
        "message": objects(columns["message"]),
    })


def exact_frame(rows, names, money_columns, money):
    """Rows of Python ints (fen, exact) as a DataFrame without floats."""
    frame = pd.DataFrame.from_records(rows, columns=names)
    for name in money_columns:
        values = [int(v) for v in frame[name]]
        if money == "fen":
            frame[name] = pd.array(values, dtype="Int64")
        else:
            frame[name] = objects(Decimal(v).scaleb(-2) for v in values)
    return frame.rename(columns={n: money_name(n, money) for n in money_columns})
