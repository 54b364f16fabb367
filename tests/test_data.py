"Data contract: validation matrix, preprocessor state round trip, holdout isolation, preset shapes."
import json

import numpy as np
import pandas as pd
import pytest
import torch

from causal_mmm_nb.data import (PRESETS, MMMDataError, MMMPreprocessor, prepare_mmm_data, simulate_mmm,
                                validate_mmm_frame)


@pytest.fixture(scope="module")
def national():
    return simulate_mmm("national_clean", seed=0)


@pytest.fixture(scope="module")
def panel():
    return simulate_mmm("geo_panel", seed=0, n_geos=4, n_weeks=60)


def _set(col, i, v):
    def f(d):
        d.loc[i, col] = v
        return d
    return f


# (id, change to the frame, extra validate kwargs, column named in the message, fix phrase in the message)
NATIONAL_CASES = [
    ("negative_spend", _set("tv", 3, -5.0), {}, "'tv'", "spend must be >= 0"),
    ("nan_spend", _set("search", 7, np.nan), {}, "'search'", "fillna(0)"),
    ("inf_spend", _set("social", 9, np.inf), {}, "'social'", "replace them with the real spend"),
    ("nan_target", _set("sales", 11, np.nan), {}, "'sales'", "impute"),
    ("missing_week", lambda d: d.drop(index=20), {}, "'week'", "add rows for the missing weeks"),
    ("duplicate_week", lambda d: pd.concat([d, d.iloc[[4]]]), {}, "'week'", "aggregate"),
    ("irregular_week", lambda d: d.assign(week=d.week + pd.to_timedelta(np.r_[0, np.full(len(d) - 1, 3)], unit="D")),
     {}, "'week'", "same weekday"),
    ("unknown_column", None, dict(control_cols=["price", "promo", "demand_idx"]), "'demand_idx'", "check the spelling"),
    ("non_numeric", lambda d: d.assign(price=d.price.map(lambda v: f"${v:.2f}")), {}, "'price'", "pd.to_numeric"),
    ("constant_control", lambda d: d.assign(promo=0.0), {}, "'promo'", "drop it from control_cols"),
    ("all_zero_channel", lambda d: d.assign(display=0.0), {}, "'display'", "drop it from channel_cols"),
    ("too_few_weeks", lambda d: d.iloc[:26].copy(), {}, "'week'", "provide more weeks"),
    ("date_not_datetime", lambda d: d.assign(week=d.week.astype(str)), {}, "'week'", "pd.to_datetime"),
    ("static_varies", lambda d: d.assign(region_size=np.arange(len(d), dtype=float)), dict(static_cols=["region_size"]),
     "'region_size'", "one value per geo"),
]


@pytest.mark.parametrize("change,kw,column,fix", [c[1:] for c in NATIONAL_CASES], ids=[c[0] for c in NATIONAL_CASES])
def test_validation_matrix(national, change, kw, column, fix):
    df, truth = national
    bad = change(df.copy()) if change else df
    with pytest.raises(MMMDataError) as e:
        validate_mmm_frame(bad, **{**truth.column_roles(), **kw})
    assert column in str(e.value) and fix in str(e.value), str(e.value)


PANEL_CASES = [
    ("geo_weeks_differ", lambda d: d.iloc[1:], "'week'", "give every geo the same weeks"),
    ("static_varies_in_geo", _set("population", 5, 1.0), "'population'", "move it to control_cols"),
    ("geo_too_short", lambda d: d[d.week < d.week.min() + pd.Timedelta(weeks=20)], "'week'", "min_weeks=27"),
]


@pytest.mark.parametrize("change,column,fix", [c[1:] for c in PANEL_CASES], ids=[c[0] for c in PANEL_CASES])
def test_validation_panel(panel, change, column, fix):
    df, truth = panel
    with pytest.raises(MMMDataError) as e:
        validate_mmm_frame(change(df.copy()), **truth.column_roles())
    assert column in str(e.value) and fix in str(e.value), str(e.value)


def test_error_is_value_error():
    assert issubclass(MMMDataError, ValueError)


def test_valid_frames_pass(national, panel):
    for df, truth in (national, panel):
        validate_mmm_frame(df, **truth.column_roles())


def test_state_dict_json_round_trip(panel):
    df, truth = panel
    pre = MMMPreprocessor(**truth.column_roles()).fit(df, holdout_weeks=13)
    state = pre.state_dict()
    text = json.dumps(state)                         # plain floats / lists / str only
    pre2 = MMMPreprocessor.from_state_dict(json.loads(text))
    assert pre2.state_dict() == state
    a, b = pre.transform(df), pre2.transform(df)
    for name in ("spend", "controls", "target", "static"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    assert a.geos == b.geos and a.dates.equals(b.dates) and a.n_train == b.n_train == 47


def test_exact_inverse(panel):
    df, truth = panel
    pre = MMMPreprocessor(**truth.column_roles()).fit(df)
    d = pre.transform(df, dtype=torch.float64)
    np.testing.assert_allclose(pre.spend_from_unit(d.spend.numpy()), truth.spend_array, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pre.inverse_target(d.target), df.sales.to_numpy().reshape(4, 60), rtol=1e-9)


def test_holdout_does_not_touch_scalers(national):
    df, truth = national
    base = MMMPreprocessor(**truth.column_roles()).fit(df, holdout_weeks=13).state_dict()
    changed = df.copy()
    last = changed.index[-13:]
    for c in truth.channels + ["sales", "price", "demand_index"]:
        changed.loc[last, c] = changed.loc[last, c] * 5 + 1
    assert MMMPreprocessor(**truth.column_roles()).fit(changed, holdout_weeks=13).state_dict() == base
    assert MMMPreprocessor(**truth.column_roles()).fit(changed, holdout_weeks=12).state_dict() != base


def test_unit_spend_properties(panel):
    df, truth = panel
    data, pre = prepare_mmm_data(df, **truth.column_roles(), holdout_weeks=13)
    assert data.spend.dtype == torch.float32 and data.spend.shape == (4, 60, 6)
    top = data.spend[:, : data.n_train].amax(dim=1)                      # (geos, channels)
    assert np.allclose(np.median(top.numpy(), axis=0), np.ones(6), atol=1e-6)   # the median geo's maximum is 1
    assert bool((top > 0.3).all() and (top < 3).all())                  # every geo near the unit scale
    assert bool(((data.spend == 0) == torch.as_tensor(truth.spend_array == 0)).all())


def test_transform_without_target_and_counterfactual(national):
    df, truth = national
    pre = MMMPreprocessor(**truth.column_roles()).fit(df)
    future = df.drop(columns="sales").assign(print=0.0).iloc[-5:]   # no target, an all-zero channel: allowed
    d = pre.transform(future)
    assert d.target.shape == (1, 5) and torch.isnan(d.target).all()
    assert d.n_train == 0


PRESET_SHAPES = dict(national_clean=(1, 156, 5), national_confounded=(1, 156, 5), geo_panel=(24, 156, 6),
                     sparse_synergy=(1, 156, 5), wide_20_channels=(1, 156, 20),
                     seasonal_effectiveness=(1, 156, 5), lagged_baseline=(1, 156, 5))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_shapes_and_truth(name):
    df, truth = simulate_mmm(name, seed=2)
    G, T, K = PRESET_SHAPES[name]
    assert len(df) == G * T and len(truth.channels) == K and truth.spend_array.shape == (G, T, K)
    assert list(df.columns[df.columns.isin(truth.channels)]) == truth.channels
    assert (df[truth.channels] >= 0).all().all()
    assert ("geo" in df.columns) == (G > 1) and ("population" in df.columns) == (name == "geo_panel")
    validate_mmm_frame(df, **truth.column_roles())
    np.testing.assert_allclose(truth.contributions.sum().values, truth.ate.values, rtol=1e-9)
    mu = truth.mean_outcome(truth.spend_array)
    assert abs(1 - truth.baseline.sum() / mu.sum() - 0.20) < 1e-9          # media 20 % of noise-free sales
    assert 0.03 < np.std(df.sales.to_numpy() - mu.ravel()) / mu.mean() < 0.08


def test_reproducible():
    a, ta = simulate_mmm("geo_panel", seed=5, n_weeks=40)
    b, tb = simulate_mmm("geo_panel", seed=5, n_weeks=40)
    c, _ = simulate_mmm("geo_panel", seed=6, n_weeks=40)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_series_equal(ta.ate, tb.ate)
    assert not np.allclose(a.sales, c.sales)


def test_zero_effect_channels():
    for name, zero in [("national_clean", ["print"]), ("national_confounded", ["print"]), ("wide_20_channels", ["ch19", "ch20"])]:
        _, truth = simulate_mmm(name, seed=0)
        assert (truth.ate[zero] == 0).all() and (truth.ate.drop(zero) > 0).all()
        assert (truth.spend[zero] > 0).all()


def test_unknown_override_rejected():
    with pytest.raises(ValueError, match="n_weks"):
        simulate_mmm("national_clean", n_weks=10)
