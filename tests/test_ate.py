"""ATEEstimator invariants: exact rollouts, known-world ATEs, shares, no-change scenarios (fast, small models)."""
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm, prepare_mmm_data, MMMTensors
from causal_mmm_nb.streams import MMMConfig, CausalTransformer, ModelOutput
from causal_mmm_nb.ate import (ATEEstimator, LinearCarryoverModel, linear_carryover_ate, rollout_outcomes,
                               rollout_week_by_week, frozen_tokens)

torch.set_num_threads(2)

@pytest.fixture(scope="module")
def clean():
    df, truth = simulate_mmm("national_clean", seed=0)
    data, pre = prepare_mmm_data(df, **truth.column_roles())
    return df, truth, data, pre

@pytest.fixture(scope="module")
def world(clean):
    "A LinearCarryoverModel world (rho=0.6, print has beta 0) on the simulator's national data."
    _, _, data, pre = clean
    m = LinearCarryoverModel(beta=[0.8, 0.6, 0.4, 0.3, 0.0], rho=0.6, gamma=[0.3, 0.1, 0.2], intercept=-1.0)
    y, _ = rollout_outcomes(m, data.spend, data.controls, torch.zeros_like(data.target), tol=0.0)
    noisy = y + 0.1 * torch.randn(y.shape, generator=torch.Generator().manual_seed(0))
    return m, MMMTensors(**{**data.__dict__, "target": noisy}), pre

def test_jacobi_rollout_equals_week_by_week_loop():
    "Exactness: the batched fixed-point rollout equals the naive T-pass loop, in <= T passes, on a small transformer."
    df, truth = simulate_mmm("national_clean", seed=1, n_weeks=36)
    data, pre = prepare_mmm_data(df, **truth.column_roles(), holdout_weeks=8)
    torch.manual_seed(0)
    m = CausalTransformer(MMMConfig.small(dropout=0.0), 5, 3).eval()
    T = data.spend.shape[1]
    spend = torch.cat([data.spend, data.spend * 0.5, data.spend.flip(1)])           # three scenarios at once
    controls, start = data.controls.repeat(3, 1, 1), torch.zeros(3, T)
    y_loop = rollout_week_by_week(m, spend, controls, start)
    y_jac, passes = rollout_outcomes(m, spend, controls, start, tol=0.0)
    assert passes <= T
    torch.testing.assert_close(y_jac, y_loop, atol=1e-5, rtol=0)
    with frozen_tokens(m, spend):
        y_frozen, _ = rollout_outcomes(m, spend, controls, start, tol=0.0)
    torch.testing.assert_close(y_frozen, y_loop, atol=1e-5, rtol=0)

def test_rollout_ate_matches_known_world(world):
    "Additive world with outcome carry-over: rollout ATE equals the exact ATE within 0.1% of the total; TF understates."
    m, data, pre = world
    est = ATEEstimator(m, data, pre, tol=1e-6)
    att = est.zero_spend()
    true = linear_carryover_ate(m, data, pre)
    np.testing.assert_allclose(att.ate.values, true.values, atol=1e-3 * true.abs().sum())
    tf = est.zero_spend(rollout=False)
    np.testing.assert_allclose((tf.ate / att.ate).values[:4], 1 - m.rho, atol=0.05)      # misses the carried-over part
    assert est.iterations <= data.spend.shape[1]

def test_no_effect_channel_is_near_zero(world):
    "A channel the outcome does not depend on (print, beta 0) gets |ATE| < 1e-6 of the total ATE."
    m, data, pre = world
    att = ATEEstimator(m, data, pre, tol=1e-6).zero_spend().set_index("channel")
    assert abs(att.ate["print"]) < 1e-6 * att.ate.abs().sum()

def test_no_effect_channel_in_simulator_truth_via_exact_world(clean):
    "The simulator's own mean outcome as a model (national_clean, print beta 0): estimator reproduces GroundTruth.ate."
    df, truth, data, pre = clean
    class TruthModel(torch.nn.Module):
        "Forward contract around GroundTruth.mean_outcome (ignores outcome history: no Y feedback in the simulator)."
        def forward(self, spend, controls, target, static=None, creative=None):
            G = len(data.geos)
            raw = pre.spend_from_unit(spend.double().numpy().reshape(-1, G, *spend.shape[1:]))
            mu = np.stack([pre.target_to_unit(truth.mean_outcome(s)) for s in raw]).reshape(spend.shape[:2])
            y = torch.as_tensor(mu, dtype=torch.float64)
            return ModelOutput(y, torch.full_like(spend, 0.5), y[..., None])
    est = ATEEstimator(TruthModel(), MMMTensors(**{**data.__dict__, "spend": data.spend.double(), "target": data.target.double()}), pre)
    att = est.zero_spend().set_index("channel")
    np.testing.assert_allclose(att.ate.values, truth.ate.values, rtol=1e-6, atol=1e-3)
    assert abs(att.ate["print"]) < 1e-9 * att.ate.abs().sum()
    curve = est.roi_curve("tv", np.linspace(0, 2, 5))
    np.testing.assert_allclose(curve.outcome.values, truth.response_curve("tv", np.linspace(0, 2, 5)).outcome.values, rtol=1e-9)

def test_shares_sum_to_one_and_window(world):
    m, data, pre = world
    est = ATEEstimator(m, data, pre, tol=1e-6)
    att = est.zero_spend()
    assert att.share.sum() == pytest.approx(1.0)
    assert list(att.columns) == ["channel", "ate", "share", "spend", "roi"]
    win = est.zero_spend(window="2022-01-01:2022-12-31")
    assert win.share.sum() == pytest.approx(1.0)
    con = est.contributions()
    mask = (con.week >= "2022-01-01") & (con.week <= "2022-12-31")
    np.testing.assert_allclose(con.loc[mask, est.channels].sum().values, win.ate.values, rtol=1e-9)
    np.testing.assert_allclose(win.spend.values, est.spend_raw[:, est.window_mask("2022-01-01:2022-12-31")].sum((0, 1)))

def test_budget_shift_zero_fraction_is_exactly_zero(world):
    m, data, pre = world
    est = ATEEstimator(m, data, pre, tol=1e-6)
    assert est.budget_shift("tv", "search", 0.0) == 0.0
    assert est.budget_shift("tv", "search", 0.0, rollout=False) == 0.0
    assert est.budget_shift("search", "tv", 0.3) != 0.0
    with pytest.raises(ValueError, match="unknown channel"): est.budget_shift("tv", "tiktok", 0.1)

def test_roi_curve_multiplier_one_is_factual(world):
    m, data, pre = world
    est = ATEEstimator(m, data, pre, tol=1e-6)
    curve = est.roi_curve("social", [0.0, 0.5, 1.0, 1.5])
    assert curve.outcome[curve.multiplier == 1.0].item() == est.factual().sum()
    assert curve.incremental.iloc[0] == 0.0
    assert list(curve.columns) == ["multiplier", "spend", "outcome", "incremental", "roi"]

def test_roi_curve_on_transformer_multiplier_one_exact(clean):
    "Same invariant on a (small, untrained) Causal Transformer."
    _, _, data, pre = clean
    torch.manual_seed(0)
    est = ATEEstimator(CausalTransformer(MMMConfig.small(), 5, 3), data, pre)
    curve = est.roi_curve("tv", np.linspace(0, 2, 5))
    assert curve.outcome.iloc[2] == est.factual().sum()
    att = est.zero_spend()
    assert att.share.sum() == pytest.approx(1.0)
    assert est.iterations <= data.spend.shape[1]
    mroi = est.marginal_roi()
    assert np.isfinite(mroi.marginal_roi).all()
