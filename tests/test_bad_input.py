"""Bad input, through the API, the command line and model loading: each case must raise the named error type
with a message that names what is wrong (column, geo, week, line or file) and says how to fix it."""
import json, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm, MMMDataError
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM, MMMModelError
import causal_mmm_nb.decomposed, causal_mmm_nb.ate  # noqa: F401,E401  (MMMConfig.decomposed, CausalMMM.ate_estimator)
from causal_mmm_nb.cli import main

torch.set_num_threads(1)
DF, TRUTH = simulate_mmm("national_clean", seed=0, n_weeks=60)
ROLES = TRUTH.column_roles()
PANEL, PTRUTH = simulate_mmm("geo_panel", seed=0, n_weeks=40, n_geos=3)
QUICK = dict(epochs=3, patience=3)


def fit(df=None, cfg=None, **kw):
    "A short decomposed fit of `df` (the national frame by default) with the roles overridden by `kw`."
    return CausalMMM(cfg or MMMConfig.decomposed(**QUICK)).fit(DF if df is None else df, **{**ROLES, **kw}, progress=False)


def with_value(col, row, value, df=DF):
    "A copy of `df` with one cell changed (the column becomes object dtype for text)."
    d = df.copy()
    if isinstance(value, str): d[col] = d[col].astype(object)
    d.loc[row, col] = value
    return d


def panel_without(geo, week_index):
    "The panel with one (geo, week) row dropped."
    weeks = sorted(PANEL.week.unique())
    return PANEL[~((PANEL.geo == geo) & (PANEL.week == weeks[week_index]))]


# (case id, call, expected error type, fragments that must all be in the message: the thing named and the fix)
API_CASES = [
    ("channels_as_one_string", lambda: fit(channel_cols="tv,search"), MMMDataError, ["channel_cols='tv,search'", "fix: pass a list"]),
    ("channel_twice", lambda: fit(channel_cols=["tv", "search", "tv"]), MMMDataError, ["['tv'] more than once", "fix: list each column once"]),
    ("two_roles", lambda: fit(control_cols=["price", "tv"]), MMMDataError, ["'tv' is given both as channel_cols and control_cols", "fix: give each column one role"]),
    ("unknown_column", lambda: fit(channel_cols=["tv", "tiktok"]), MMMDataError, ["'tiktok'", "fix: check the spelling"]),
    ("no_rows", lambda: fit(DF.iloc[:0]), MMMDataError, ["no rows", "fix:"]),
    ("not_a_frame", lambda: fit(DF.to_dict()), MMMDataError, ["expected a pandas DataFrame", "fix: pass pd.DataFrame"]),
    ("text_in_spend", lambda: fit(with_value("tv", 5, "lots")), MMMDataError, ["'tv' is not numeric", "row 5", "'lots'", "pd.to_numeric"]),
    ("text_in_control", lambda: fit(with_value("price", 7, "n/a")), MMMDataError, ["'price'", "row 7", "categorical_cols=['price']"]),
    ("negative_spend", lambda: fit(with_value("search", 3, -1.0)), MMMDataError, ["'search' has negative values", "week 2021-01-25", "fix:"]),
    ("missing_spend", lambda: fit(with_value("tv", 4, np.nan)), MMMDataError, ["'tv' has missing values", "row 4", "fillna(0)"]),
    ("infinite_spend", lambda: fit(with_value("tv", 4, np.inf)), MMMDataError, ["'tv' has infinite values", "fix:"]),
    ("missing_target", lambda: fit(with_value("sales", 9, np.nan)), MMMDataError, ["'sales' has missing", "week 2021-03-08", "fix: impute"]),
    ("missing_week", lambda: fit(DF.drop(index=10)), MMMDataError, ["missing weeks", "gap after 2021-03-08", "fix: add rows"]),
    ("duplicate_week", lambda: fit(pd.concat([DF, DF.iloc[[5]]])), MMMDataError, ["duplicate rows", "week 2021-02-08", "fix: aggregate"]),
    ("irregular_dates", lambda: fit(DF.assign(week=DF.week + pd.to_timedelta(np.r_[0, np.full(len(DF) - 1, 2)], unit="D"))),
     MMMDataError, ["not 7 days apart", "after 2021-01-04", "fix:"]),
    ("dates_as_text", lambda: fit(DF.assign(week=DF.week.dt.strftime("%Y-%m-%d"))), MMMDataError, ["'week'", "not datetime", "pd.to_datetime"]),
    ("constant_control", lambda: fit(DF.assign(price=3.0)), MMMDataError, ["'price' is constant", "fix: drop it"]),
    ("channel_never_spends", lambda: fit(DF.assign(print=0.0)), MMMDataError, ["'print' is zero in every week", "fix: drop it"]),
    ("too_few_weeks", lambda: fit(DF.iloc[:20]), MMMDataError, ["20 weeks", "fewer than min_weeks=27", "holdout_weeks=8"]),
    ("static_varies", lambda: fit(DF.assign(pop=np.arange(len(DF))), static_cols=["pop"]), MMMDataError, ["'pop' varies over time", "fix:"]),
    ("panel_weeks_differ", lambda: fit(panel_without("geo_01", 0), **PTRUTH.column_roles()), MMMDataError, ["geo 'geo_01'", "other weeks", "fix:"]),
    ("panel_gap", lambda: fit(panel_without("geo_02", 7), **PTRUTH.column_roles()), MMMDataError, ["geo 'geo_02'", "missing weeks", "fix:"]),
    ("panel_negative_spend_names_geo", lambda: fit(with_value("tv", 45, -5.0, PANEL), **PTRUTH.column_roles()), MMMDataError,
     ["'tv' has negative values", f"geo {PANEL.geo.iloc[45]!r}", "fix:"]),
    ("missing_geo_id", lambda: fit(with_value("geo", 3, None, PANEL), **PTRUTH.column_roles()), MMMDataError, ["'geo' has missing ids", "row 3", "fix:"]),
    ("categorical_missing_level", lambda: fit(DF.assign(events=np.where(DF.index == 4, None, "na")), categorical_cols=["events"]),
     MMMDataError, ["'events' has missing values", "row 4", "a level of their own"]),
    ("categorical_one_level", lambda: fit(DF.assign(events="na"), categorical_cols=["events"]), MMMDataError, ["'events' has a single level", "fix: drop it"]),
    ("categorical_unknown_column", lambda: fit(categorical_cols=["events"]), MMMDataError, ["'events'", "not in the data", "fix:"]),
    ("unknown_prior_channel", lambda: fit(signs={"TV": 1}), ValueError, ["'TV'", "signs"]),
    ("roi_prior_unknown", lambda: fit(roi_priors={"radio": (1.0, 0.5)}), ValueError, ["radio", "roi_priors"]),
    ("creative_wrong_shape", lambda: fit(creative_embeddings=np.ones((2, 4))), MMMModelError, ["n_channels=5", "fix:"]),
    ("bad_config", lambda: MMMConfig.decomposed(epochs=0), ValueError, ["MMMConfig.epochs", "positive integer"]),
]


@pytest.mark.parametrize("case,call,error,fragments", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_bad_input(case, call, error, fragments):
    with pytest.raises(error) as e: call()
    for f in fragments: assert f in str(e.value), f"{case}: {f!r} not in {str(e.value)!r}"


@pytest.fixture(scope="module")
def fitted():
    "A short decomposed fit on the first 47 of 60 weeks, with an `events` categorical control."
    df = DF.assign(events=np.where(DF.index % 9 == 2, "holiday", "na"))
    return fit(df[df.week < df.week.iloc[47]], categorical_cols=["events"]), df


PREDICT_CASES = [
    ("not_fitted", lambda m, df: CausalMMM().predict(df), MMMModelError, ["not fitted", "call .fit"]),
    ("missing_column", lambda m, df: m.predict(df.drop(columns=["tv", "events"])), MMMModelError, ["lacks columns", "'tv'", "'events'"]),
    ("unknown_level", lambda m, df: m.predict(df.assign(events="launch")), MMMDataError, ["'events' holds 'launch'", "not fitted on", "fix: map it"]),
    ("before_fitted_start", lambda m, df: m.predict(df.assign(week=df.week - pd.Timedelta(days=14))), MMMModelError,
     ["starts at 2020-12-21", "before the first fitted week 2021-01-04", "fix:"]),
    ("off_calendar", lambda m, df: m.predict(df.assign(week=df.week + pd.Timedelta(days=3))), MMMModelError, ["not on the fitted weekly calendar", "fix:"]),
    ("gap_after_fit", lambda m, df: m.predict(df.iloc[50:]), MMMModelError, ["leaving a gap after the last fitted week 2021-11-22", "fix: include every week from 2021-11-29"]),
]


@pytest.mark.parametrize("case,call,error,fragments", PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
def test_predict_bad_input(fitted, case, call, error, fragments):
    m, df = fitted
    with pytest.raises(error) as e: call(m, df)
    for f in fragments: assert f in str(e.value), f"{case}: {f!r} not in {str(e.value)!r}"


def test_panel_predict_unknown_geo():
    m = fit(PANEL, **PTRUTH.column_roles())
    with pytest.raises(MMMDataError, match="geos \\['geo_99'\\] were not in the training data; fix"):
        m.predict(PANEL.assign(geo=PANEL.geo.replace("geo_00", "geo_99")))


def test_plain_head_cannot_forecast(fitted):
    _, df = fitted
    past = df[df.week < df.week.iloc[47]]
    plain = CausalMMM(MMMConfig.small(epochs=2)).fit(past, **ROLES, categorical_cols=["events"], progress=False)
    with pytest.raises(MMMModelError, match="no 'sales' for week 2021-11-29; fix: pass the target .* MMMConfig.decomposed"):
        plain.predict(df.iloc[47:].drop(columns="sales"))


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    "(folder factory, a second fit's model.pt): each call saves the fitted model to a fresh folder."
    m, _ = fitted
    other = tmp_path_factory.mktemp("other")
    fit(cfg=MMMConfig.decomposed(seed=3, **QUICK)).save(other)
    def fresh():
        p = tmp_path_factory.mktemp("saved"); m.save(p); return p
    return fresh, other / "model.pt"


def _truncate(p): (p / "model.pt").write_bytes((p / "model.pt").read_bytes()[:500])
def _rewrite_meta(p, change):
    meta = json.loads((p / "meta.json").read_text()); change(meta); (p / "meta.json").write_text(json.dumps(meta))

LOAD_CASES = [
    ("truncated_weights", _truncate, ["model.pt does not match", "checksum differs", "fix: save the model again"]),
    ("empty_weights", lambda p: (p / "model.pt").write_bytes(b""), ["model.pt does not match", "fix:"]),
    ("weights_missing", lambda p: (p / "model.pt").unlink(), ["model.pt missing", "fix: pass the folder written by mmm.save"]),
    ("meta_missing", lambda p: (p / "meta.json").unlink(), ["meta.json missing", "fix:"]),
    ("meta_not_json", lambda p: (p / "meta.json").write_text('{"format": 2,'), ["meta.json is damaged: not valid JSON", "fix:"]),
    ("meta_empty_object", lambda p: (p / "meta.json").write_text("{}"), ["meta.json is not the metadata of a saved CausalMMM", "fix:"]),
    ("meta_is_a_list", lambda p: (p / "meta.json").write_text("[1, 2]"), ["is not the metadata of a saved CausalMMM", "fix:"]),
    ("other_version", lambda p: _rewrite_meta(p, lambda m: m.update(version="0.0.1")), ["saved by causal_mmm_nb 0.0.1", "refit the model"]),
    ("other_format", lambda p: _rewrite_meta(p, lambda m: m.update(format=1)), ["file format 1", "refit the model"]),
]


@pytest.mark.parametrize("case,damage,fragments", LOAD_CASES, ids=[c[0] for c in LOAD_CASES])
def test_damaged_model_folder(saved, case, damage, fragments):
    fresh, _ = saved
    p = fresh(); damage(p)
    with pytest.raises(MMMModelError) as e: CausalMMM.load(p)
    msg = str(e.value)
    for f in fragments: assert f in msg, f"{case}: {f!r} not in {msg!r}"
    assert "weights_only=False" not in msg and str(p) in msg


def test_weights_from_another_fit_are_refused(saved):
    fresh, other_weights = saved
    p = fresh(); (p / "model.pt").write_bytes(other_weights.read_bytes())
    with pytest.raises(MMMModelError, match="comes from another fit"): CausalMMM.load(p)


def test_column_mismatch_is_refused(saved):
    fresh, _ = saved
    with pytest.raises(MMMModelError, match="column mismatch.*missing \\['radio'\\]"): CausalMMM.load(fresh(), expected_columns=["week", "radio"])


# the command line: one line on stderr, exit code 2, the fix in command-line words
@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_cli")
    DF.to_csv(tmp / "sim.csv", index=False)
    DF.iloc[:0].to_csv(tmp / "header_only.csv", index=False)
    DF.assign(week=DF.week.astype(str).where(DF.index != 4, "2021-13-45")).to_csv(tmp / "bad_date.csv", index=False)
    with_value("price", 9, "about 10").to_csv(tmp / "text_control.csv", index=False)
    DF.to_csv(tmp / "semicolon.csv", index=False, sep=";")
    (tmp / "existing").mkdir(); (tmp / "existing" / "keep.txt").write_text("x")
    return tmp

BASE = ["--date", "week", "--target", "sales", "--channels", "tv,search,social,display,print", "--epochs", "2", "--quiet"]
CLI_CASES = [
    ("header_only", "header_only.csv", [], ["header_only.csv has a header but no rows", "fix:"]),
    ("bad_date", "bad_date.csv", [], ["line 6 of", "'2021-13-45'", "fix: use ISO dates"]),
    ("text_control", "text_control.csv", ["--controls", "price"], ["'price'", "line 11", "'about 10'", "add --categorical price"]),
    ("unknown_control", "sim.csv", ["--controls", "prize"], ["'prize' (given as --controls)", "fix: check the spelling"]),
    ("too_few_weeks", "sim.csv", ["--holdout-weeks", "50"], ["fewer than min_weeks=64", "--holdout-weeks 8"]),
    ("no_such_file", "nothing.csv", [], ["no such file", "nothing.csv"]),
]


@pytest.mark.parametrize("case,file,extra,fragments", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(csvs, capsys, case, file, extra, fragments):
    assert main(["fit", str(csvs / file), *BASE, *extra, "--out", str(csvs / f"out_{case}")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for f in fragments: assert f in err, f"{case}: {f!r} not in {err!r}"


def test_cli_refuses_to_overwrite_a_run(csvs, capsys):
    assert main(["fit", str(csvs / "sim.csv"), *BASE, "--out", str(csvs / "existing")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "existing already exists and is not empty" in err and "add --force" in err
    assert (csvs / "existing" / "keep.txt").exists()


def test_cli_damaged_model_is_one_line(csvs, capsys):
    out = csvs / "run"
    assert main(["fit", str(csvs / "semicolon.csv"), *BASE, "--out", str(out)]) == 0       # a ';' file is read as such
    assert "holdout fit, final 13 weeks" in capsys.readouterr().out
    _truncate(out / "model")
    assert main(["attribute", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checksum differs" in err and "fix:" in err


def test_console_script_errors_are_one_line(csvs):
    "The installed entry point, as a user runs it, in a fresh interpreter."
    code = "import sys; from causal_mmm_nb.cli import main; sys.exit(main(sys.argv[1:]))"
    p = subprocess.run([sys.executable, "-c", code, "fit", str(csvs / "bad_date.csv"), *BASE, "--out", str(csvs / "o2")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "line 6 of" in p.stderr, p.stderr
