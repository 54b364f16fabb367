"Lift tests in the fit (chapter 06b) and the budget optimizer (chapter 08c): errors, round trips, exactness."
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM, MMMModelError
from causal_mmm_nb.experiments import LiftTests, LiftTestError, go_dark_tests, simulate_lift_test
from causal_mmm_nb.budget import decision_quality
import causal_mmm_nb.decomposed, causal_mmm_nb.ate, causal_mmm_nb.budget  # noqa: F401,E401


@pytest.fixture(scope="module")
def market():
    df, truth = simulate_mmm("national_clean", seed=0)
    return df, truth, go_dark_tests(truth, seed=0)


def fit(df, truth, tests=None, **cfg):
    return CausalMMM(MMMConfig.decomposed(**({"epochs": 40} | cfg))).fit(df, **truth.column_roles(), progress=False, lift_tests=tests)


def model_lift(mmm):
    lt = LiftTests(mmm.lift_tests, mmm.data, mmm.preprocessor, mmm.cfg.lmax)
    return lt.predicted(mmm.ema_model, mmm.data).detach().numpy()


@pytest.mark.parametrize("change, expect", [
    (dict(channel="TV"), "column 'channel'"), (dict(lift_sd=-1.0), "column 'lift_sd'"), (dict(spend_multiplier=-1.0), "'spend_multiplier'"),
    (dict(start="2020-01-01"), "outside the data"), (dict(end="2024-06-03"), "outside the data"), (dict(geo="geo_99"), "column 'geo'"),
    (dict(lift=np.nan), "column 'lift'"), (dict(note="x"), "['note']")])
def test_bad_lift_tests_are_named(market, change, expect):
    df, truth, tests = market
    bad = tests.copy()
    for k, v in change.items(): bad.loc[bad.index[1], k] = v
    with pytest.raises(LiftTestError) as e: fit(df, truth, bad, epochs=2)
    msg = str(e.value)
    assert expect in msg and "fix:" in msg, msg
    if "note" not in change: assert "rows [1]" in msg, msg                 # the row is named


def test_holdout_window_and_plain_head_refused(market):
    df, truth, tests = market
    late = tests.assign(start=str(truth.dates[-10].date()), end=str(truth.dates[-9].date()))
    with pytest.raises(LiftTestError, match="holdout"): fit(df, truth, late, epochs=2)
    with pytest.raises(MMMModelError, match="decomposed head"):
        CausalMMM(MMMConfig.small(epochs=2)).fit(df, **truth.column_roles(), progress=False, lift_tests=tests)


def test_a_strong_test_is_obeyed_and_weight_zero_ignores_it(market):
    df, truth, tests = market
    claim = tests.assign(lift=2 * tests.lift, lift_sd=0.02 * 2 * tests.lift.abs().clip(lower=1e4))
    strong = fit(df, truth, claim, lift_weight=100.0)
    got = model_lift(strong)[0]                                     # tv
    assert abs(got / claim.lift.iloc[0] - 1) < 0.1, (got, claim.lift.iloc[0])
    free = strong.refit(lift_weight=0.0)
    assert abs(model_lift(free)[0] / claim.lift.iloc[0] - 1) > 0.2     # the data alone do not say 2x


def test_lift_tests_survive_save_load_and_refit(market, tmp_path):
    df, truth, tests = market
    m = fit(df, truth, tests, epochs=5)
    back = CausalMMM.load(m.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(back.lift_tests, m.lift_tests, check_dtype=False)
    assert back.refit(epochs=2).lift_tests is not None


def test_simulated_lift_matches_direct_counterfactual(market):
    df, truth, _ = market
    t = simulate_lift_test(truth, "search", truth.dates[20], truth.dates[27], spend_multiplier=1.5, noise_sd=0.0)
    s = truth.spend_array.copy(); s[:, 20:28, truth.channels.index("search")] *= 1.5
    direct = (truth.mean_outcome(s) - truth.mean_outcome(truth.spend_array))[:, 20:28 + 13].sum()
    assert np.isclose(t.lift.iloc[0], direct) and np.isclose(truth.lift_tests.true_lift.iloc[-1], direct) and direct > 0


def test_budget_exact_and_infeasible(market):
    df, truth, _ = market
    df2 = df.assign(print=np.where(np.arange(len(df)) < 60, 0.0, df["print"]))   # print dark in the window below
    est = CausalMMM(MMMConfig.decomposed(epochs=30)).fit(df2, **truth.column_roles(), progress=False).ate_estimator()
    window = (str(truth.dates[0].date()), str(truth.dates[50].date()))
    plan = est.optimize_budget(total=None, bounds={"tv": (1.0, 1.3), "search": (0.2, 0.9)}, window=window).set_index("channel")
    ch = plan.drop(index="total")
    assert np.isclose(ch.optimal_spend.sum(), ch.spend.sum(), rtol=1e-9)
    assert 1.0 - 1e-12 <= ch.multiplier["tv"] <= 1.3 + 1e-12 and 0.2 - 1e-12 <= ch.multiplier["search"] <= 0.9 + 1e-12
    assert ch.optimal_spend["print"] == 0 and ch.spend["print"] == 0
    with pytest.raises(ValueError, match="cannot be met"): est.optimize_budget(total=10 * ch.spend.sum(), window=window)
    with pytest.raises(ValueError, match="0 <= low <= high"): est.optimize_budget(bounds={"tv": (1.2, 1.1)})


def test_true_optimum_captures_itself_and_today_captures_nothing(market):
    _, truth, _ = market
    dq = decision_quality(np.ones(len(truth.channels)), truth)
    assert dq["optimal_gain"] > 0 and abs(dq["captured"]) < 1e-9
    assert np.isclose(decision_quality(dq["optimal_multipliers"], truth)["captured"], 1.0)


def test_bootstrap_redraws_lift_tests_around_the_fit(market):
    from causal_mmm_nb.uncertainty import bootstrap_lift_tests, MMMEnsemble
    df, truth, tests = market
    m = fit(df, truth, tests, epochs=30)
    draws = np.stack([t.lift.to_numpy() for t in bootstrap_lift_tests(m, 400, seed=0)])
    sd = tests.lift_sd.to_numpy()
    assert (np.abs(draws.std(0) / sd - 1) < 0.2).all()                        # each test redrawn with its own sd
    assert (np.abs(draws.mean(0) - model_lift(m)) / sd < 0.2).all()           # around the fit's own lift, not the measured one
    assert bootstrap_lift_tests(fit(df, truth, None, epochs=3), 2) == [None, None]
    ens = MMMEnsemble(n_members=2).bootstrap(m)
    assert all(r.lift_tests is not None for r in ens.members)
    assert not np.allclose(ens.members[0].lift_tests.lift, tests.lift)


def test_decision_quality_baseline_is_todays_mix_at_the_total(market):
    _, truth, _ = market
    spend = truth.spend_array.sum((0, 1))
    dq = decision_quality(np.full(len(spend), 1.3), truth, total=1.3 * spend.sum())   # today's mix, 30 % more money
    assert abs(dq["captured"]) < 1e-9 and dq["optimal_gain"] > 0
    with pytest.raises(ValueError, match="must spend the total"): decision_quality(np.full(len(spend), 1.5), truth)
