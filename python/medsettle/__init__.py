"""medsettle from Python: the one-stop settlement of Chinese inpatient stays,
exact to the fen, as pandas DataFrames (docs/python.md).

    import medsettle
    a = medsettle.builtin()
    b = medsettle.load("rules/zhuzhou.yaml")
    settled, rejected = a.settle("examples/stays.jsonl")
    medsettle.compare(a, b, "examples/stays.jsonl", as_of_a="2018-06-30").fields

Money is never a float: money columns are pandas Int64 of fen, named
`*_fen` (money="fen", the default), or Python Decimals of yuan under the
field's own name (money="decimal"). Every rule is the library's; this
package only translates.
"""
import html
import json
import os

import pandas as pd

from . import _native
from ._frames import (JsonLines, check_money, exact_frame, rejection_frame, settlement_frame,
                      to_source, yuan_text)

__all__ = ["Plan", "Comparison", "Explanation", "Parameters", "Slip", "LedgerStore", "RuleFileError", "ReversalRefused",
           "JsonLines", "load", "builtin", "compare", "generate", "open_store", "yuan_text"]
__version__ = _native.version

#: Raised for a rule file with problems: str(error) has every `file:line:column: message`,
#: error.diagnostics the tuples (file, line, column, message).
RuleFileError = _native.RuleFileError


def load(path_or_text, file="<string>"):
    """A rule set from a YAML file (a path) or from YAML text (a str with a
    line end; `file` names it in messages). Raises RuleFileError, OSError."""
    if isinstance(path_or_text, bytes):
        path_or_text = path_or_text.decode("utf-8")
    if isinstance(path_or_text, str) and "\n" in path_or_text:
        return Plan(_native.Plan.load_string(path_or_text, file))
    return Plan(_native.Plan.load_file(os.fspath(path_or_text)))


def builtin():
    """The default rule set (rules/hunan.yaml), compiled into the library."""
    return Plan(_native.Plan.builtin())


def generate(persons, seed=1, year=2019):
    """A deterministic synthetic population (the library's generator, as
    `medsettle generate`): JSON Lines text, accepted wherever stays are."""
    return JsonLines(_native.generate(int(persons), int(seed), int(year)).decode("utf-8"))


class Plan:
    """A compiled rule set: immutable, shareable between threads."""

    def __init__(self, native):
        self._native = native

    id = property(lambda self: self._native.id)
    title = property(lambda self: self._native.title)
    file = property(lambda self: self._native.file)
    digest = property(lambda self: self._native.digest)
    #: The `from` dates of the versions, "YYYY-MM-DD", in order.
    versions = property(lambda self: list(self._native.versions))
    until = property(lambda self: self._native.until)

    def channels(self, version=-1):
        """The channels of a version (its index, or its `from` date), in settlement order."""
        if isinstance(version, str):
            version = self.versions.index(version)
        version = range(len(self.versions))[version]
        rows = self._native.channels(version)
        return pd.DataFrame.from_records(rows, columns=["id", "name", "fund_pay_type", "reports_as"])

    def settle(self, stays, *, money="fen", threads=1, as_of=None):
        """Settles stays: a DataFrame (one row a stay), a list of dicts, a path
        (JSON Lines, or CSV bucket form for .csv) or JsonLines text. Returns
        (settlements, rejections), both in input order."""
        check_money(money)
        settled, rejected = _native.settle(self._native, to_source(stays), int(threads), as_of)
        return settlement_frame(settled, money), rejection_frame(rejected)

    def explain(self, stays, stay_id=None, *, as_of=None):
        """One stay settled step by step. `stays` is the stay (a dict) or stays
        holding it with the person's others (so the year's ledger is right)."""
        stay_id = _one_stay_id(stays, stay_id, "explain")
        return Explanation(_native.explain(self._native, to_source(stays), stay_id, as_of))

    def slip(self, stays, stay_id=None, *, as_of=None, language="zh"):
        """The settlement slip (一站式结算单) of one stay, as `medsettle slip`
        prints it: a `Slip` (`html`, the self-contained page; Jupyter shows
        it). `stays` as for explain. `language` "zh" (English labels where
        the catalogue cannot be found) or "en". Raises ValueError for a
        rejected stay, naming its code and message."""
        stay_id = _one_stay_id(stays, stay_id, "slip")
        html_page, rejected = _native.slip(self._native, to_source(stays), stay_id, as_of, language)
        if rejected is not None:
            raise ValueError(f"stay {stay_id} is rejected: {rejected['code'][0]}: {rejected['message'][0]}")
        return Slip(stay_id, html_page)

    def show(self, as_of=None):
        """The parameters in force on `as_of` ("YYYY-MM-DD"; the last version without)."""
        text, data = _native.show(self._native, as_of)
        return Parameters(text, json.loads(data))

    def __repr__(self):
        return (f"<medsettle.Plan {self.id} ({self.title}), versions {', '.join(self.versions)}, "
                f"{len(self._native.ledger_slots)} channels, {self.digest}>")

    def _repr_html_(self):
        rows = "".join(
            f"<tr><td>{v}</td><td>{html.escape(', '.join(f'{c.id} ({c.name})' for c in self.channels(i).itertuples()))}"
            "</td></tr>" for i, v in enumerate(self.versions))
        return (f"<div><b>{html.escape(self.id)}</b> {html.escape(self.title)}<br><code>{html.escape(self.file)}"
                f"</code> <code>{self.digest}</code><table><tr><th>version from</th><th>channels</th></tr>"
                f"{rows}</table></div>")


def _one_stay_id(stays, stay_id, call):
    """The stay meant: `stay_id`, or that of `stays` when it is one stay."""
    if stay_id is not None:
        return stay_id
    if isinstance(stays, pd.DataFrame) and len(stays) == 1:
        return stays["stay_id"].iloc[0]
    if isinstance(stays, dict):
        return stays["stay_id"]
    raise ValueError(f"{call}: give stay_id, unless `stays` is one stay (a dict or a one-row DataFrame)")


class Slip:
    """One stay's settlement slip: `stay_id`, `html` (the page of `medsettle
    slip --html`, every figure with an id: `patient-pays`, `bucket-total`,
    `channel-<id>-paid`, ...). In Jupyter, the slip itself."""

    def __init__(self, stay_id, page):
        self.stay_id, self.html = stay_id, page

    def __repr__(self):
        return f"<medsettle.Slip {self.stay_id}>"

    def _repr_html_(self):
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width:100%;height:1100px;border:0"></iframe>')

    def save(self, path):
        """Writes the page to `path` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as out:
            out.write(self.html)


class Explanation:
    """A stay settled step by step: `steps` (a DataFrame: channel, kind,
    message, line, column, source), `text` (as `medsettle explain` prints
    it) and `settlement` (the itemized settlement, as in INTERCHANGE.md, money
    as yuan text). For a rejected stay, `rejection` (a one-row DataFrame)."""

    def __init__(self, result):
        self.rejection = rejection_frame(result["rejection"]) if "rejection" in result else None
        steps = result.get("steps", [])
        self.steps = pd.DataFrame.from_records(steps, columns=["channel", "kind", "message", "line", "column", "source"])
        self.steps[["line", "column"]] = self.steps[["line", "column"]].astype("Int64")
        self.text = result.get("text", "")
        self.settlement = json.loads(result["settlement_json"]) if "settlement_json" in result else None

    def __str__(self):
        return self.text if self.rejection is None else self.rejection.to_string()

    def _repr_html_(self):
        return f"<pre>{html.escape(str(self))}</pre>"


class Parameters:
    """The parameters in force (`medsettle show`): `frame` (one row a
    parameter: channel, key, value, file, line, source), `text` and `data`
    (the object of `medsettle show --json`)."""

    def __init__(self, text, data):
        self.text, self.data = text, data
        rows = [("", p) for p in data.get("parameters", [])]
        rows += [(c.get("id", ""), p) for c in data.get("channels", []) for p in c.get("parameters", [])]
        self.frame = pd.DataFrame.from_records(
            [(ch, p["name"] + (f".{p['level']}" if p.get("level") else ""), p["value"], p["file"], p["line"],
              p.get("source")) for ch, p in rows], columns=["channel", "key", "value", "file", "line", "source"])
        self.frame["line"] = self.frame["line"].astype("Int64")

    def __str__(self):
        return self.text

    def _repr_html_(self):
        return f"<pre>{html.escape(self.text)}</pre>"


class Comparison:
    """A what-if of two rule sets on the same stays (`medsettle compare`):
    `fields` (each settlement field summed under A and B), `channels`, `top`
    (the person-years whose payment changes most), `counts`, the settlements
    `a` and `b` (each a (settlements, rejections) pair), `text` and `html`
    (the report)."""

    def __init__(self, result, plan_a, plan_b, money):
        cols = ["field", "label", "a", "b"]
        self.fields = exact_frame(result["fields"], cols, ["a", "b"], money)
        self.channels = exact_frame(result["channels"], ["id", "name", "in_a", "in_b", "a", "b"], ["a", "b"], money)
        self.top = exact_frame(result["top"], ["person_id", "year", "stays", "a", "b"], ["a", "b"], money)
        self.counts = dict(result["counts"])
        self.a = settlement_frame(result["a"][0], money), rejection_frame(result["a"][1])
        self.b = settlement_frame(result["b"][0], money), rejection_frame(result["b"][1])
        self.text, self.html = result["text"], result["html"]
        self._names = f"{plan_a.id} vs {plan_b.id}"

    def __str__(self):
        return self.text

    def __repr__(self):
        c = self.counts
        return (f"<medsettle.Comparison {self._names}: {c['records']} records, {c['paired']} settled under both, "
                f"{c['changed']} changed>")

    def _repr_html_(self):
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width:100%;height:900px;border:0"></iframe>')


def compare(plan_a, plan_b, stays, *, money="fen", threads=1, as_of_a=None, as_of_b=None):
    """Settles `stays` under both rule sets and compares them, as `medsettle compare`."""
    check_money(money)
    result = _native.compare(plan_a._native, plan_b._native, to_source(stays), int(threads), as_of_a, as_of_b)
    return Comparison(result, plan_a, plan_b, money)


class ReversalRefused(ValueError):
    """A reversal the kept ledger refused (`unknown_stay`, `not_last`): nothing changed."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


RECORD_COLUMNS = ["kind", "stay_id", "person_id", "rules", "version", "digest", "recorded_at", "reason", "run", "json"]


def _records_frame(rows):
    frame = pd.DataFrame.from_records(rows, columns=RECORD_COLUMNS)
    frame["run"] = pd.array([int(v) for v in frame["run"]], dtype="Int64")
    return frame


class LedgerStore:
    """A kept ledger (README "Kept ledgers"): a SQLite file, or a PostgreSQL
    URL. One store object is for one thread at a time."""

    def __init__(self, location):
        self._native = _native.LedgerStore.open(os.fspath(location))
        #: The number of the last committed run (0 before one, or after a dry run).
        self.last_run = 0

    location = property(lambda self: self._native.location)
    kind = property(lambda self: self._native.kind)

    def settle(self, plan, stays, *, money="fen", threads=1, as_of=None, dry_run=False):
        """Settles stays against the kept ledgers and, unless `dry_run`, records them
        (as `medsettle settle --ledger`). Returns (settlements, rejections)."""
        check_money(money)
        run = self._native.settle(plan._native, to_source(stays), int(threads), as_of, bool(dry_run))
        self.last_run = run["run"] if run["committed"] else 0
        return settlement_frame(run["settled"], money), rejection_frame(run["rejected"])

    def reverse(self, stay_id, *, cascade=False, reason=""):
        """Reverses a settled stay (as `medsettle reverse`): the reversal records,
        latest first. Raises ReversalRefused (nothing changed)."""
        rows, refused = self._native.reverse(stay_id, bool(cascade), reason)
        if refused is not None:
            raise ReversalRefused(refused["code"][0], refused["message"][0])
        return _records_frame(rows)

    def records(self, person_id):
        """A person's settlement and reversal records, in order."""
        return _records_frame(self._native.records(person_id))


def open_store(location):
    """Opens (or creates) a kept ledger: a SQLite file path or a postgresql:// URL."""
    return LedgerStore(location)
