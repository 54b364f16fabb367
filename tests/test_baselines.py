"Baselines and benchmark: the oracle recovers the truth, classical beats naive, metrics on hand-made inputs, quick run."
import numpy as np
import pandas as pd
import pytest

from causal_mmm_nb.baselines import ClassicalMMM, LinearMMM, NaiveRegressionMMM, OracleMMM
from causal_mmm_nb.benchmark import (BASELINE_METHODS, COLUMNS, QUICK_SCENARIOS, SCENARIOS, ate_error, average_ranks,
                                     causal_mmm_methods, fit_roles, holdout_r2, roi_spearman, run_benchmark,
                                     scenario_data, share_error, spearman, summarize)
from causal_mmm_nb.data import simulate_mmm

# The oracle's tolerance on national_clean, stated: median ATE error over seeds 0-2 below 0.30 and every seed
# below 0.35 (measured 0.157, 0.273, 0.185: with media at 20 % of sales and 5 % weekly noise on 143 training weeks,
# even the true shapes leave this much sampling error). Noise-free, it must be within 2 % of the total effect.
ORACLE_MEDIAN_TOL, ORACLE_SEED_TOL, ORACLE_EXACT_TOL = 0.30, 0.35, 0.02


def _fit(cls_or_obj, preset, seed, **kw):
    df, truth = simulate_mmm(preset, seed=seed, **kw)
    model = cls_or_obj(truth) if cls_or_obj is OracleMMM else cls_or_obj()
    return model.fit(df, **fit_roles(truth)), df, truth


def test_oracle_recovers_truth_on_national_clean():
    errors = []
    for s in range(3):
        model, _, truth = _fit(OracleMMM, "national_clean", s)
        errors.append(ate_error(model.zero_spend(), truth))
    assert np.median(errors) < ORACLE_MEDIAN_TOL and max(errors) < ORACLE_SEED_TOL, errors


def test_oracle_exact_without_noise():
    df, truth = simulate_mmm("national_clean", seed=0)
    mu = truth.mean_outcome(truth.spend_array)[0]
    z = OracleMMM(truth).fit(df.assign(sales=mu), **fit_roles(truth)).zero_spend().set_index("channel")
    assert (z.ate - truth.ate).abs().max() < ORACLE_EXACT_TOL * truth.ate.sum()


def test_classical_beats_naive_on_confounded():
    "Median over 3 seeds of national_confounded: measured classical 0.33 vs naive 0.83."
    cl, nv = [], []
    for s in range(3):
        df, truth = simulate_mmm("national_confounded", seed=s)
        cl.append(ate_error(ClassicalMMM().fit(df, **fit_roles(truth)).zero_spend(), truth))
        nv.append(ate_error(NaiveRegressionMMM().fit(df, **fit_roles(truth)).zero_spend(), truth))
    assert np.median(cl) < np.median(nv), (cl, nv)


def test_zero_spend_table_and_predict_contract():
    model, df, truth = _fit(ClassicalMMM, "geo_panel", 0, n_geos=3, n_weeks=80)
    z = model.zero_spend()
    assert list(z.columns) == ["channel", "ate", "share", "spend", "roi"] and list(z.channel) == truth.channels
    np.testing.assert_allclose(z.spend, truth.spend.to_numpy())
    np.testing.assert_allclose(z.share.sum(), 1.0)
    assert (z.ate >= 0).all()                                            # sign constraint
    shuffled = df.sample(frac=1, random_state=1)
    pd.testing.assert_series_equal(model.predict(shuffled), model.predict(df).reindex(shuffled.index))
    assert model.predict(df.drop(columns="sales")).notna().all()         # target not needed to predict


def test_naive_ate_is_coef_times_spend():
    model, df, truth = _fit(NaiveRegressionMMM, "national_clean", 0)
    np.testing.assert_allclose(model.zero_spend().ate, model.beta_ * truth.spend.to_numpy(), rtol=1e-8)


def test_fit_rejects_bad_data():
    df, truth = simulate_mmm("national_clean", seed=0)
    with pytest.raises(ValueError, match="tv"):
        ClassicalMMM().fit(df.assign(tv=-df.tv), **fit_roles(truth))


def test_metrics_on_hand_made_inputs():
    truth = pd.Series([60.0, 30.0, 10.0, 0.0], index=["tv", "search", "social", "print"])
    assert ate_error(truth, truth) == 0.0 and ate_error(truth * 0, truth) == 1.0
    assert share_error(truth, truth) == 0.0
    for est in ([-5.0, 1, 1, 50], [0, 0, 0, 1], [60, 30, 10, 0], [1, 1, 1, 1]):
        assert 0.0 <= share_error(pd.Series(est, index=truth.index, dtype=float), truth) <= 1.0
    assert share_error(pd.Series([0, 0, 0, 1.0], index=truth.index), truth) == 1.0   # all credit misplaced
    assert spearman([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    np.testing.assert_allclose(average_ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2])
    roi = pd.DataFrame(dict(channel=truth.index, roi=[3.0, 2.0, 1.0, 0.0]))
    assert roi_spearman(roi, roi.set_index("channel").roi) == pytest.approx(1.0)


def test_holdout_r2_within_geo():
    class Pred:
        def __init__(self, v): self.v = v
        def predict(self, df): return self.v
    df = pd.DataFrame(dict(geo=np.repeat(["a", "b"], 20), week=np.tile(pd.date_range("2024-01-01", periods=20, freq="7D"), 2),
                           sales=np.r_[np.arange(20.0), 1000 + np.arange(20.0)]))
    assert holdout_r2(Pred(df.sales.to_numpy()), df, "week", "sales", "geo") == 1.0
    geo_means = df.sales.where(df.week >= df.week.unique()[-13]).groupby(df.geo).transform("mean")
    assert holdout_r2(Pred(geo_means.to_numpy()), df, "week", "sales", "geo") == pytest.approx(0.0)   # geo level alone: 0


def test_scenarios_and_lazy_causal_methods():
    for name in SCENARIOS:
        df, truth = scenario_data(name, 0)
        assert 0.08 < truth.ate.sum() / df.sales.sum() < 0.32, name
    assert set(causal_mmm_methods()) == {"causal_mmm", "causal_mmm_ensemble", "causal_mmm_alpha0", "decomposed_gradient", "plain_head"}


def test_quick_benchmark_complete_and_finite():
    res = run_benchmark(QUICK_SCENARIOS, BASELINE_METHODS, seeds=[0])
    assert list(res.columns) == COLUMNS and len(res) == len(QUICK_SCENARIOS) * len(BASELINE_METHODS)
    scores = [c for c in COLUMNS[3:] if not c.endswith("coverage") and c not in ("interval_width", "zero_effect_share")]   # no intervals; geo_panel has no zero channel
    assert np.isfinite(res[scores].to_numpy(float)).all() and res.ate_coverage.isna().all()
    assert summarize(res).notna().all().all()
    np.testing.assert_allclose(res[res.method == "oracle"].ratio_to_oracle, 1.0)
