"""The Python module: the golden examples, every input form, exact money,
errors with their places, threads. Amounts in comments are yuan."""
import json
import os
import re
import subprocess
import threading
from decimal import Decimal

import pandas as pd
import pytest

import medsettle
from conftest import SOURCE

SCHEMES = ["hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"]
GOLDEN = SOURCE / "tests" / "golden"
EXAMPLES = SOURCE / "examples" / "stays.jsonl"


def fen(yuan_text):
    """"1234.50" -> 123450, exactly."""
    return int(Decimal(yuan_text) * 100)


def jsonl(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def example_stays():
    """examples/stays.jsonl as dicts, JSON numbers read as Decimals (never floats)."""
    return [json.loads(line, parse_float=Decimal) for line in open(EXAMPLES, encoding="utf-8") if line.strip()]


# ---- the golden examples settle from Python exactly as tests/golden says ----

@pytest.mark.parametrize("scheme", SCHEMES)
def test_golden_examples_settle_as_expected(scheme):
    plan = medsettle.load(SOURCE / "rules" / f"{scheme}.yaml")
    settled, rejected = plan.settle(GOLDEN / f"{scheme}.stays.jsonl")
    expected = jsonl(GOLDEN / f"{scheme}.expected.jsonl")
    assert len(settled) == len(expected)
    for row, want in zip(settled.to_dict("records"), expected):
        for key in ("stay_id", "person_id", "rules", "version"):
            assert row[key] == want[key], (want["stay_id"], key)
        for field in medsettle._native.field_names:
            assert row[f"{field}_fen"] == fen(want[field]), (want["stay_id"], field)
        in_version = {c["id"]: fen(c["paid"]) for c in want["channels"]}
        for slot in plan._native.ledger_slots:
            got = row[f"{slot}_paid_fen"]
            assert (got is pd.NA) if slot not in in_version else got == in_version[slot], (want["stay_id"], slot)
    errors = [(e["stay_id"], e["line"], e["error"]["code"], e["error"]["field"])
              for e in jsonl(GOLDEN / f"{scheme}.errors.jsonl")]
    got = list(rejected[["stay_id", "line", "code", "field"]].itertuples(index=False, name=None))
    assert got == errors


def test_explained_settlement_is_the_golden_one():
    # S7294443 (hunan.worked.md): basic 586.78, critical_illness 207.79, oth_pay 31.96 = 14.71 + 17.25,
    # patient 107.29; 933.82 = 826.53 + 107.29.
    e = medsettle.builtin().explain(GOLDEN / "hunan.stays.jsonl", "S7294443")
    want = next(s for s in jsonl(GOLDEN / "hunan.expected.jsonl") if s["stay_id"] == "S7294443")
    got = dict(e.settlement)
    got.pop("digest"), got.pop("itemization", None)
    for c in got["channels"]:
        c.pop("name", None)
    assert got == want
    assert got["psn_part_amt"] == "107.29" and got["fund_pay_sumamt"] == "826.53"
    assert "S7294443" in e.text and len(e.steps) > 6
    assert set(e.steps["channel"]) >= {"", "basic", "backstop"}


# ---- one stay, by hand ----------------------------------------------------

ONE = {"stay_id": "T1", "person_id": "Q1", "identities": [], "age": 40, "insurance": "resident",
       "hospital_level": "county", "region": "in_county", "admitted": "2019-06-20", "discharged": "2019-06-30",
       "diagnoses": ["K35.8"], "flags": [], "fees": [{"category": "A", "amount_fen": 150000}]}


def test_one_stay_by_hand():
    # hunan 2019-01-01, county (README `show`): deductible 500.00, rate 0.75. One A fee 1500.00, all in scope.
    # basic: (1500.00 - 500.00) x 0.75 = 750.00; nothing else is eligible or above its deductible,
    # so the patient pays 1500.00 - 750.00 = 750.00.
    settled, rejected = medsettle.builtin().settle([ONE])
    assert rejected.empty
    row = settled.iloc[0]
    assert row["medfee_sumamt_fen"] == 150000 and row["inscp_scp_amt_fen"] == 150000
    assert row["act_pay_dedc_fen"] == 50000
    assert row["hifp_pay_fen"] == 75000 and row["basic_paid_fen"] == 75000
    assert row["fund_pay_sumamt_fen"] == 75000 and row["psn_part_amt_fen"] == 75000
    assert row["version"] == "2019-01-01" and row["rules"] == "hunan"


# ---- every input form gives the same settlements --------------------------

def test_dataframe_list_and_fen_forms_equal_json_lines():
    plan = medsettle.builtin()
    from_file = plan.settle(EXAMPLES)
    stays = example_stays()
    from_list = plan.settle(stays)
    from_frame = plan.settle(pd.DataFrame(stays))
    as_fen = []
    for s in stays:
        s = dict(s)
        if "fees" in s:
            s["fees"] = [{**{k: v for k, v in f.items() if k != "amount"}, "amount_fen": fen(str(f["amount"]))}
                         for f in s["fees"]]
        as_fen.append(s)
    from_fen = plan.settle(pd.DataFrame(as_fen))
    text = medsettle.JsonLines(EXAMPLES.read_text(encoding="utf-8"))
    from_text = plan.settle(text)
    for other in (from_list, from_frame, from_fen, from_text):
        pd.testing.assert_frame_equal(other[0], from_file[0])
        assert other[1].empty and from_file[1].empty
    assert len(from_file[0]) == 40


def test_the_cpp_writer_writes_what_the_python_reference_writes():
    # python/json_rows.cpp (DataFrames and dicts) against _frames.stay_json (dotted columns): the same JSON.
    from medsettle import _frames
    rows = example_stays() + [ONE, {**ONE, "age": 41.0, "referred_from": None, "flags": ("a", "b")}]
    reference = [json.loads(_frames.stay_json(r.items(), i)) for i, r in enumerate(rows, 1)]
    for source in (_frames.jsonl_source(rows), _frames.jsonl_source(pd.DataFrame(rows))):
        assert not source.is_path
        assert [json.loads(line) for line in source.text.split("\n")] == [
            {k: v for k, v in r.items()} for r in reference]


def test_missing_values_in_a_dataframe_are_absent_fields():
    # `referred_from` is given for one row only: pandas fills the others with NaN, which means "absent".
    plan = medsettle.builtin()
    two = [ONE, {**ONE, "stay_id": "T2", "person_id": "Q2", "referred_from": "NOPE"}]
    settled, rejected = plan.settle(pd.DataFrame(two))
    assert list(settled["stay_id"]) == ["T1"]
    assert list(rejected["code"]) == ["bad_referral"] and list(rejected["line"]) == [2]


def test_a_dataframe_is_read_from_its_columns_and_rejects_as_json_lines_does():
    # A DataFrame is made into records straight from its columns (python/frame_stays.cpp); a row that is
    # not plainly a valid stay is written as JSON and read by the library's reader: the same rejections.
    from medsettle import _frames
    plan = medsettle.builtin()
    rows = [ONE,
            {**ONE, "age": "41"},                                                   # a str for an int
            {**ONE, "fees": [{"category": "A", "amount": "12.345"}]},               # three decimals
            {**ONE, "admitted": "2019-07-01"},                                      # after its discharge
            {**ONE, "region": "mars"},
            {**ONE, "hospital_level": None},                                        # missing
            {**ONE, "fees": [{"category": "B", "amount": Decimal("300.00"), "selfpay_ratio": "0.1"},
                             {"category": "A", "amount": 1200}]},                  # whole yuan: fine
            {**ONE, "diagnoses": ["K35 8"]},
            {**ONE, "fees": [{"category": "A", "amount_fen": 150000, "over_limit": "1500.01"}]},
            {**ONE, "buckets": {"total": "10.00", "full_selfpay": "0", "over_limit": "0", "pre_selfpay": "0",
                                "in_scope_fen": 1000}, "fees": None}]
    rows = [{**r, "stay_id": f"T{i}", "person_id": f"Q{i}"} for i, r in enumerate(rows, 1)]
    frame = pd.DataFrame(rows)
    assert _frames.to_source(frame).rows == 10
    direct = plan.settle(frame)
    via_text = plan.settle(medsettle.JsonLines(_frames.jsonl_source(frame).text))
    pd.testing.assert_frame_equal(direct[0], via_text[0])
    pd.testing.assert_frame_equal(direct[1], via_text[1])
    assert list(direct[0]["stay_id"]) == ["T1", "T7", "T10"]
    assert list(direct[0]["medfee_sumamt_fen"]) == [150000, 150000, 1000]
    assert list(direct[1][["stay_id", "line", "code", "field"]].itertuples(index=False, name=None)) == [
        ("T2", 2, "bad_type", "age"), ("T3", 3, "bad_amount", "fees[0].amount"),
        ("T4", 4, "bad_date", "admitted"), ("T5", 5, "bad_value", "region"),
        ("T6", 6, "missing_field", "hospital_level"), ("T8", 8, "bad_value", "diagnoses[0]"),
        ("T9", 9, "bad_amount", "fees[0].over_limit")]


def test_a_dataframe_settles_in_waves_or_whole_as_its_json_lines():
    # More rows than a wave (32,768): grouped by person, a wave of rows at a time; with the persons
    # interleaved (every person's first stay, then every second, ...), all at once. Either way, what the same rows as JSON Lines give.
    from medsettle import _frames
    plan = medsettle.builtin()
    text = medsettle.generate(20_000, seed=3, year=2019)
    frame = pd.DataFrame([json.loads(line, parse_float=Decimal) for line in text.splitlines()])
    assert len(frame) > 40_000
    pd.testing.assert_frame_equal(plan.settle(frame, threads=2)[0], plan.settle(text)[0])
    nth = frame.groupby("person_id").cumcount()
    interleaved = frame.iloc[nth.sort_values(kind="stable").index].reset_index(drop=True)
    persons = interleaved["person_id"]
    assert (persons != persons.shift()).sum() > persons.nunique()  # not grouped
    as_text = medsettle.JsonLines(_frames.jsonl_source(interleaved).text)
    got, want = plan.settle(interleaved), plan.settle(as_text)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])
    assert len(got[0]) == len(frame)


def test_typed_columns_settle_as_their_text():
    # datetime64 dates, datetime.date objects, a nullable Int64 age, int fen: the examples' settlements.
    plan = medsettle.builtin()
    frame = pd.DataFrame(example_stays())
    frame["admitted"] = pd.to_datetime(frame["admitted"])
    frame["discharged"] = pd.to_datetime(frame["discharged"]).dt.date
    frame["age"] = frame["age"].astype("Int64")
    pd.testing.assert_frame_equal(plan.settle(frame)[0], plan.settle(EXAMPLES)[0])
    frame["age"] = frame["age"].astype("int64")
    settled, rejected = plan.settle(frame)
    pd.testing.assert_frame_equal(settled, plan.settle(EXAMPLES)[0])
    assert rejected.empty and len(settled) == 40


def test_a_float_amount_in_a_dataframe_is_refused_with_its_row():
    frame = pd.DataFrame([ONE, {**ONE, "stay_id": "T2", "fees": [{"category": "A", "amount": 1500.1}]}])
    with pytest.raises(TypeError, match=r"stay 2: fees\[0\]\.amount is a float"):
        medsettle.builtin().settle(frame)


# ---- the settlement slip ----------------------------------------------------

def test_the_slip_of_a_settlement_holds_its_figures(tmp_path):
    # S7294443 (hunan.worked.md): total 933.82, basic 586.78, critical_illness 207.79, funds 826.53,
    # patient 107.29. Jupyter shows the slip (an iframe holding the page).
    plan = medsettle.builtin()
    slip = plan.slip(GOLDEN / "hunan.stays.jsonl", "S7294443")
    assert isinstance(slip, medsettle.Slip) and slip.stay_id == "S7294443"
    for figure_id, want in (("bucket-total", "933.82"), ("channel-basic-paid", "586.78"),
                            ("channel-critical_illness-paid", "207.79"), ("funds-total", "826.53"),
                            ("patient-pays", "107.29"), ("rules", "hunan"), ("version", "2019-01-01")):
        assert re.search(rf'id="{figure_id}"[^>]*>{re.escape(want)}<', slip.html), figure_id
    shown = slip._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "107.29" in shown and "patient-pays" in shown
    english = plan.slip(ONE, language="en")  # basic pays 750.00 of 1500.00 (test_one_stay_by_hand)
    assert re.search(r'id="patient-pays"[^>]*>750\.00<', english.html)
    assert re.search(r'id="channel-basic-paid"[^>]*>750\.00<', english.html)
    # Chinese by default, English on request; rendering Chinese leaves the
    # process's environment (which subprocesses inherit) as it was.
    assert "<h1>一站式结算单</h1>" in slip.html and "<h1>One-stop settlement slip</h1>" in english.html
    inherited = subprocess.run(["sh", "-c", 'echo "${LANGUAGE-unset}"'], capture_output=True, text=True).stdout
    assert inherited.strip() == os.environ.get("LANGUAGE", "unset")
    # What chose basic's values: the person is registered_poor (the rural_poor adjustment's condition), the
    # hospital a township one (hunan.worked.md); the same page as the command's, byte for byte.
    worked = plan.slip(GOLDEN / "hunan.stays.jsonl", "S7294443", language="en")
    basic = re.search(r'id="channel-basic-paid">586\.78</td><td>([^<]*)</td>', worked.html)
    assert basic and basic.group(1) == ("base 817.66, deductible 200.00, computed 586.78 (when identity: "
                                        "registered_poor, dibao, tekun, poor_disabled; hospital_level township)")
    command = os.environ.get("MEDSETTLE_COMMAND")  # set by ctest; pytest alone skips this comparison
    if command:
        page = tmp_path / "slip.html"
        subprocess.run([command, "--lang", "en", "slip", "--in", str(GOLDEN / "hunan.stays.jsonl"), "--stay-id",
                        "S7294443", "--html", str(page)], check=True, capture_output=True)
        assert page.read_text(encoding="utf-8") == worked.html
    with pytest.raises(ValueError, match="T1 is rejected: bad_value"):
        plan.slip({**ONE, "region": "mars"})
    with pytest.raises(ValueError, match="language"):
        plan.slip(ONE, language="fr")


# ---- money is never a float ------------------------------------------------

def no_float(frame):
    return not any(pd.api.types.is_float_dtype(t) for t in frame.dtypes)


def test_no_float_column_and_decimal_sums_equal_fen_sums():
    plan, other = medsettle.builtin(), medsettle.load(SOURCE / "rules" / "zhuzhou.yaml")
    stays = medsettle.generate(200, seed=7)
    by_fen, rej_fen = plan.settle(stays)
    by_dec, rej_dec = plan.settle(stays, money="decimal")
    comparisons = [medsettle.compare(plan, other, stays, money=m) for m in ("fen", "decimal")]
    frames = [by_fen, rej_fen, by_dec, rej_dec, plan.explain(stays, by_fen["stay_id"][0]).steps, plan.show().frame]
    for c in comparisons:
        frames += [c.fields, c.channels, c.top, *c.a, *c.b]
    for f in frames:
        assert no_float(f), f.dtypes
    money = [c for c in by_fen.columns if c.endswith("_fen")]
    assert all(str(by_fen[c].dtype) == "Int64" for c in money)
    for c in money:
        decimals = by_dec[c[:-4]].dropna()
        assert all(isinstance(v, Decimal) for v in decimals)
        assert sum(decimals, Decimal(0)) == Decimal(int(by_fen[c].sum())).scaleb(-2), c
    assert (comparisons[0].fields["a_fen"].sum() * 1) == sum(int(v * 100) for v in comparisons[1].fields["a"])


def test_a_float_amount_is_refused_with_its_place():
    stay = {**ONE, "fees": [{"category": "A", "amount": 1500.1}]}
    with pytest.raises(TypeError, match=r"stay 1: fees\[0\]\.amount is a float"):
        medsettle.builtin().settle([stay])


# ---- errors carry their places ---------------------------------------------

def test_rule_file_errors_carry_every_position():
    text = (SOURCE / "rules" / "hunan.yaml").read_text(encoding="utf-8")
    broken = text.replace("rounding:", "roundng:", 1)
    assert broken != text
    with pytest.raises(medsettle.RuleFileError) as caught:
        medsettle.load(broken, file="broken.yaml")
    assert caught.value.diagnostics
    for file, line, column, message in caught.value.diagnostics:
        assert file == "broken.yaml" and line > 0 and column > 0 and message
        assert f"broken.yaml:{line}:{column}: " in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_missing_rule_file_is_an_os_error():
    with pytest.raises(OSError, match="no-such.yaml"):
        medsettle.load("no-such.yaml")


def test_rejections_name_line_code_and_field():
    bad = {**ONE, "fees": [{"category": "A", "amount": "12.345"}]}
    settled, rejected = medsettle.builtin().settle([ONE | {"stay_id": "T0", "person_id": "Q0"}, bad])
    assert list(settled["stay_id"]) == ["T0"]
    r = rejected.iloc[0]
    assert (r["stay_id"], r["line"], r["code"], r["field"]) == ("T1", 2, "bad_amount", "fees[0].amount")
    assert "12.345" in r["message"]


def test_explain_one_stay_given_alone():
    # ONE by hand (test_one_stay_by_hand): basic pays 750.00; as a dict or as a one-row DataFrame.
    plan = medsettle.builtin()
    for stay in (ONE, pd.DataFrame([ONE])):
        e = plan.explain(stay)
        assert e.rejection is None and e.settlement["hifp_pay"] == "750.00"


def test_bad_as_of_and_unknown_stay():
    plan = medsettle.builtin()
    with pytest.raises(ValueError, match="as_of"):
        plan.settle([ONE], as_of="2019-02-30x")
    with pytest.raises(KeyError, match="NOPE"):
        plan.explain([ONE], "NOPE")


# ---- threads -----------------------------------------------------------------

def test_four_python_threads_settle_as_one():
    plan = medsettle.builtin()
    stays = medsettle.generate(3000, seed=11)
    want = plan.settle(stays)
    results = [None] * 4

    def run(i):
        results[i] = plan.settle(stays, threads=2 if i % 2 else 1)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results:
        pd.testing.assert_frame_equal(got[0], want[0])
        pd.testing.assert_frame_equal(got[1], want[1])
    assert len(want[0]) > 3000


# ---- compare, show, the plan ---------------------------------------------

def test_compare_is_the_command_s():
    a, b = medsettle.builtin(), medsettle.load(SOURCE / "rules" / "zhuzhou.yaml")
    c = medsettle.compare(a, b, EXAMPLES, as_of_a="2018-06-30")
    settled_a, settled_b = c.a[0], c.b[0]
    paired = set(settled_a["stay_id"]) & set(settled_b["stay_id"])
    row = c.fields.set_index("field")
    # The summed fields are the sums of the settlements of the stays settled under both, to the fen.
    assert len(paired) == c.counts["paired"]
    for side, settled in (("a_fen", settled_a), ("b_fen", settled_b)):
        mine = settled[settled["stay_id"].isin(paired)]
        assert row.loc["psn_part_amt", side] == mine["psn_part_amt_fen"].sum()
    assert c.counts["records"] == 40
    assert "<svg" in c.html and "<iframe" in c._repr_html_()
    assert repr(c).startswith("<medsettle.Comparison hunan vs zhuzhou: 40 records")
    command = os.environ.get("MEDSETTLE_COMMAND")
    if command:
        out = subprocess.run([command, "compare", "--against", str(SOURCE / "rules" / "zhuzhou.yaml"), "--in",
                              str(EXAMPLES), "--as-of-a", "2018-06-30"], capture_output=True, text=True)
        assert out.stdout == c.text


def test_show_and_the_plan():
    plan = medsettle.builtin()
    p = plan.show(as_of="2019-06-30")
    assert "version 2019-01-01" in p.text
    basic = p.frame[(p.frame["channel"] == "basic") & (p.frame["key"] == "deductible.county")]
    assert list(basic["value"]) == ["500.00"]
    assert plan.versions == ["2017-07-01", "2019-01-01"]
    assert list(plan.channels()["id"])[0] == "basic"
    assert repr(plan).startswith("<medsettle.Plan hunan") and plan.digest.startswith("sha256:")
    assert "2019-01-01" in plan._repr_html_() and "basic" in plan._repr_html_()


# ---- the kept ledger ---------------------------------------------------------

def test_kept_ledger_settle_reverse_settle_again(tmp_path):
    store = medsettle.open_store(tmp_path / "ledger.sqlite")
    plan = medsettle.builtin()
    # T1 (ONE): basic (1500.00 - 500.00) x 0.75 = 750.00. T2, the same person and fees a day later:
    # basic's deductible is per stay, so again 750.00; settling T1 again is a duplicate stay id;
    # reversing T1 needs T2 reversed first (cascade); then both settle again, to the same fen.
    t2 = {**ONE, "stay_id": "T2", "admitted": "2019-07-01", "discharged": "2019-07-02"}
    first, _ = store.settle(plan, [ONE])
    assert list(first["hifp_pay_fen"]) == [75000] and store.last_run > 0
    second, rejected = store.settle(plan, [t2])
    assert rejected.empty and list(second["hifp_pay_fen"]) == [75000]
    dup, rejected = store.settle(plan, [ONE])
    assert dup.empty and list(rejected["code"]) == ["duplicate_stay_id"]
    with pytest.raises(medsettle.ReversalRefused, match="not_last") as refused:
        store.reverse("T1")
    assert refused.value.code == "not_last"
    reversed_ = store.reverse("T1", cascade=True, reason="billing error")
    assert list(reversed_["stay_id"]) == ["T2", "T1"] and set(reversed_["kind"]) == {"reversal"}
    again, rejected = store.settle(plan, [ONE, t2])
    assert rejected.empty
    pd.testing.assert_frame_equal(again[["hifp_pay_fen"]].reset_index(drop=True),
                                  pd.concat([first, second])[["hifp_pay_fen"]].reset_index(drop=True))
    kinds = list(store.records("Q1")["kind"])
    assert kinds.count("settlement") == 4 and kinds.count("reversal") == 2


def test_grouped_stays_stream_to_what_they_give_read_whole(tmp_path):
    # A generated file has each person's stays together: it is streamed (a wave at a time), from a
    # file or from text. The same lines with persons apart (even lines, then odd) are read whole.
    stays = medsettle.generate(2000, seed=5)
    path = tmp_path / "stays.jsonl"
    path.write_text(stays, encoding="utf-8")
    lines = stays.splitlines()
    apart = medsettle.JsonLines("\n".join(lines[::2] + lines[1::2]))
    plan = medsettle.builtin()
    by_id = lambda f: f.sort_values("stay_id").reset_index(drop=True)
    from_file, from_text, whole = plan.settle(path, threads=2), plan.settle(stays), plan.settle(apart)
    pd.testing.assert_frame_equal(from_file[0], from_text[0])
    pd.testing.assert_frame_equal(by_id(from_file[0]), by_id(whole[0]))
    assert from_file[1].empty and whole[1].empty and len(whole[0]) == len(lines)
