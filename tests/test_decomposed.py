"""Decomposed outcome head: zero at zero spend, monotone, causal, K-independent size, decomposition ATE == rollout ATE."""
import dataclasses, warnings
import numpy as np, pytest, torch
from causal_mmm_nb.data import simulate_mmm, prepare_mmm_data
from causal_mmm_nb.streams import MMMConfig, count_parameters
from causal_mmm_nb.training import train_model
from causal_mmm_nb.ate import ATEEstimator
from causal_mmm_nb.decomposed import DecomposedCausalTransformer, decomposition_ate, lagged
from causal_mmm_nb.core import CausalMMM
import causal_mmm_nb.ate  # noqa: F401  (CausalMMM.ate_estimator)

torch.set_num_threads(1)
CFG = MMMConfig.small(lr=1e-2, alpha=0.0, dropout=0.0, epochs=40, patience=40)

@pytest.fixture(scope="module")
def clean():
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=80)
    data, pre = prepare_mmm_data(df, **truth.column_roles(), holdout_weeks=8)
    return truth, data, pre

def model(K=5, C=3, seed=0, **kw):
    torch.manual_seed(seed)
    return DecomposedCausalTransformer(dataclasses.replace(CFG, **kw), K, C).eval()

def test_lagged_window():
    s = torch.arange(1., 5.).reshape(1, 4, 1)
    assert torch.equal(lagged(s, 2)[0, :, 0], torch.tensor([[1., 0], [2, 1], [3, 2], [4, 3]]))

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zero_at_zero_spend(seed):
    m = model(seed=seed); g = torch.Generator().manual_seed(seed)
    a = torch.rand(3, 40, 5, generator=g) * 3; a[..., 2] = 0
    with torch.no_grad(): c = m.contributions(a)
    assert torch.equal(c[..., 2], torch.zeros(3, 40))
    assert (c[..., [0, 1, 3, 4]] > 0).all()

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monotone_in_spend(seed):
    m = model(seed=seed); g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(20):
            a = torch.rand(2, 30, 5, generator=g) * 2
            da = torch.rand(2, 30, 5, generator=g) * (torch.rand(2, 30, 5, generator=g) < 0.2)
            assert (m.contributions(a + da) - m.contributions(a) >= -1e-7).all()

def test_negative_sign_is_monotone_decreasing():
    m = model(); m.signs[1] = -1.0
    a = torch.rand(1, 30, 5)
    with torch.no_grad(): d = m.contributions(a + 0.3) - m.contributions(a)
    assert (d[..., 1] <= 0).all() and (d[..., 0] >= 0).all()

def test_contribution_uses_only_own_channel():
    m = model(); a = torch.rand(1, 30, 5); b = a.clone(); b[..., 3] = torch.rand(1, 30)
    with torch.no_grad(): ca, cb = m.contributions(a), m.contributions(b)
    assert torch.equal(ca[..., [0, 1, 2, 4]], cb[..., [0, 1, 2, 4]])

def test_causal(clean):
    _, data, _ = clean
    m, t = model(), 30
    s, x, y = data.spend.clone(), data.controls.clone(), data.target.clone()
    s[:, t + 1:] = torch.rand_like(s[:, t + 1:]); x[:, t + 1:] += 2; y[:, t + 1:] -= 5
    with torch.no_grad():
        a, b = m(data.spend, data.controls, data.target), m(s, x, y)
    torch.testing.assert_close(a.y_hat[:, :t + 1], b.y_hat[:, :t + 1])
    torch.testing.assert_close(a.a_hat[:, :t + 1], b.a_hat[:, :t + 1])

def test_parameter_count_independent_of_channels():
    assert count_parameters(model(K=3)) == count_parameters(model(K=20)) == count_parameters(model(K=5))

def test_forward_contract(clean):
    _, data, _ = clean
    m = model()
    out = m(data.spend, data.controls, data.target)
    assert out.y_hat.shape == data.target.shape and out.a_hat.shape == data.spend.shape
    assert ((out.a_hat > 0) & (out.a_hat < 1)).all() and out.phi.shape[:2] == data.target.shape
    adv = {id(p) for p in m.adversary_parameters()}
    main = {id(p) for p in m.main_parameters()}
    assert adv and main and not adv & main and adv | main == {id(p) for p in m.parameters()}

def _check_ate(m, data, pre):
    dec = decomposition_ate(m, data, pre)
    roll = ATEEstimator(m, data, pre).zero_spend().set_index("channel").ate
    np.testing.assert_allclose(dec.to_numpy(), roll.to_numpy(), rtol=1e-4, atol=1e-4 * np.abs(roll).max())

def test_decomposition_ate_equals_rollout_untrained(clean):
    _, data, pre = clean
    _check_ate(model(), data, pre)

def test_decomposition_ate_equals_rollout_trained(clean):
    _, data, pre = clean
    res = train_model(model().train(), data, dataclasses.replace(CFG, alpha=0.01), progress=False)
    _check_ate(res.ema_model, data, pre)
    assert res.history.val_y.iloc[-1] < res.history.val_y.iloc[0]

def test_causal_mmm_builds_the_decomposed_head_and_keeps_signs(tmp_path):
    from causal_mmm_nb.core import CausalMMM
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=60)
    mmm = CausalMMM(MMMConfig.decomposed(epochs=5, patience=5)).fit(df, **truth.column_roles(), signs={"print": -1, "display": 0}, progress=False)
    assert isinstance(mmm.ema_model, DecomposedCausalTransformer)
    assert mmm.ema_model.signs.tolist() == [1.0, 1.0, 1.0, 1.0, -1.0]        # unknown (0) -> +1, declared -1 kept
    z = mmm.ate_estimator().zero_spend().set_index("channel").ate
    assert z["print"] <= 0 and (z.drop("print") >= 0).all()
    mmm.save(tmp_path)
    back = CausalMMM.load(tmp_path)
    assert back.cfg.outcome_head == "decomposed" and back.ema_model.signs.tolist() == mmm.ema_model.signs.tolist()
    np.testing.assert_array_equal(back.predict(df).to_numpy(), mmm.predict(df).to_numpy())

def test_unknown_outcome_head_is_refused():
    with pytest.raises(ValueError, match="outcome_head must be one of"): MMMConfig(outcome_head="linear")

# --- synergy terms (cfg.synergy) ---
def test_synergy_is_zero_when_either_channel_is_off_and_never_negative():
    m = model(synergy=True)
    with torch.no_grad(): m.synergy_bias.fill_(1.0)                   # strong pairs, so a zero is not a small number
    a = torch.rand(2, 30, 5, generator=torch.Generator().manual_seed(0)); a[..., 1] = 0
    with torch.no_grad(): v = m.synergy(a)
    assert torch.equal(v[..., 1, :], torch.zeros(2, 30, 5)) and torch.equal(v[..., :, 1], torch.zeros(2, 30, 5))
    assert (v >= 0).all() and v[..., 0, 2].min() > 0
    assert torch.equal(torch.tril(torch.ones(5, 5)).bool() & (v.abs().sum((0, 1)) > 0), torch.zeros(5, 5, dtype=torch.bool))

def test_synergy_pairs_need_the_same_sign_and_effects_stay_monotone():
    m = model(synergy=True); m.set_signs([1, 1, -1, 1, 1])
    g = torch.Generator().manual_seed(1)
    a = torch.rand(2, 30, 5, generator=g)
    with torch.no_grad():
        v = m.synergy(a)
        assert torch.equal(v[..., 2, :], torch.zeros(2, 30, 5)) and torch.equal(v[..., :, 2], torch.zeros(2, 30, 5))
        b = a.clone(); b[:, 10, 0] += 0.5                             # more spend on channel 0 never lowers the outcome
        y = lambda s: m(s, torch.zeros(2, 30, 3), None).y_hat
        assert (y(b) - y(a) >= -1e-6).all()

def test_synergy_parameter_count_independent_of_channels():
    assert count_parameters(model(K=5, synergy=True)) == count_parameters(model(K=20, synergy=True))
    assert count_parameters(model(synergy=True)) > count_parameters(model())

def test_decomposition_ate_with_synergy_equals_rollout(clean):
    _, data, pre = clean
    m = model(synergy=True)
    with torch.no_grad(): m.synergy_bias.fill_(0.5)
    _check_ate(m, data, pre)
    with torch.no_grad(): effects, c = m.channel_effects(data.spend), m.contributions(data.spend)
    assert (effects - c).sum() > 0                                    # the synergy is part of each channel's effect

# --- one intercept per geo (cfg.geo_intercepts) ---
def test_geo_intercepts_add_one_static_indicator_per_geo(tmp_path):
    from causal_mmm_nb.core import CausalMMM
    df, truth = simulate_mmm("geo_panel", seed=0, n_geos=4, n_weeks=60)
    roles = truth.column_roles()
    on = CausalMMM(MMMConfig.decomposed(panel=True, epochs=5, patience=5)).fit(df, **roles, progress=False)
    off = CausalMMM(MMMConfig.decomposed(panel=True, epochs=5, patience=5, geo_intercepts=False)).fit(df, **roles, progress=False)
    assert on.data.static.shape == (4, 1 + 4) and off.data.static.shape == (4, 1)
    assert torch.equal(on.data.static[:, 1:], torch.eye(4))
    assert on.ema_model.n_static == 5 and off.ema_model.n_static == 1
    # predicting two geos in reverse order uses each geo's own indicator, the same numbers as the full frame
    sub = df[df.geo.isin(["geo_03", "geo_01"])].iloc[::-1]
    np.testing.assert_allclose(on.predict(sub).to_numpy(), on.predict(df).loc[sub.index].to_numpy(), rtol=1e-5)
    on.save(tmp_path)
    back = CausalMMM.load(tmp_path)
    np.testing.assert_array_equal(back.predict(df).to_numpy(), on.predict(df).to_numpy())

def test_geo_intercepts_leave_a_national_series_alone():
    from causal_mmm_nb.core import CausalMMM
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=60)
    m = CausalMMM(MMMConfig.decomposed(epochs=3, patience=3)).fit(df, **truth.column_roles(), progress=False)
    assert m.cfg.geo_intercepts and m.data.static.shape == (1, 0) and m.ema_model.n_static == 0

def test_geo_intercepts_must_be_a_bool():
    with pytest.raises(ValueError, match="MMMConfig.geo_intercepts must be True or False"): MMMConfig(geo_intercepts=1)

def test_default_ensemble_uses_the_panel_preset_on_a_panel():
    from causal_mmm_nb.uncertainty import MMMEnsemble
    df, truth = simulate_mmm("geo_panel", seed=0, n_geos=3, n_weeks=60, channels=["tv", "search"])
    ens = MMMEnsemble(n_members=2).fit(df, **truth.column_roles())
    assert ens.cfg == MMMConfig.decomposed(panel=True)
    assert all(m.data.static.shape == (3, 1 + 3) for m in ens.members)        # population + one indicator per geo
    nat, ntruth = simulate_mmm("national_clean", seed=0, n_weeks=60)
    assert MMMEnsemble(n_members=2).fit(nat, **ntruth.column_roles()).cfg == MMMConfig.decomposed()
    mine = MMMConfig.decomposed(epochs=7, patience=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                    # 7 epochs may keep epoch 0, which warns
        assert MMMEnsemble(mine, n_members=2).fit(df, **truth.column_roles()).cfg == mine   # an explicit cfg is kept

def test_is_panel_needs_more_than_one_geo():
    import pandas as pd
    from causal_mmm_nb.core import is_panel
    df = pd.DataFrame(dict(geo=["a", "a", "b"], x=[1, 2, 3]))
    assert is_panel(df, "geo") and not is_panel(df, None) and not is_panel(df[df.geo == "a"], "geo") and not is_panel(df, "region")


def test_solved_fit_does_not_depend_on_the_model_seed():
    "national_clean data seed 1 collapsed to ~0 media for model seed 1 under the old gradient preset; the solved preset does not."
    import warnings
    df, truth = simulate_mmm("national_clean", seed=1)
    kept = []
    for s in (0, 1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)                    # no collapse warning either
            m = CausalMMM(MMMConfig.decomposed(seed=s)).fit(df, **truth.column_roles(), progress=False)
        kept.append(m.ate_estimator().zero_spend().ate.sum() / truth.ate.sum())
    assert min(kept) > 0.5 and max(kept) - min(kept) < 0.05, kept


def test_a_collapsed_fit_warns():
    "The old gradient preset collapses on national_clean seed 1 with model seed 1: fit says so instead of printing an answer."
    df, truth = simulate_mmm("national_clean", seed=1)
    before = dict(solver="gradient", fit_weeks="train", kernel="free", offset_bound=0.0, seed=1)
    with pytest.warns(UserWarning, match="fit has collapsed"):
        m = CausalMMM(MMMConfig.decomposed(**before)).fit(df, **truth.column_roles(), progress=False)
    assert m.ate_estimator().zero_spend().ate.sum() < 0.01 * truth.ate.sum()


def test_solved_model_round_trips_and_keeps_its_guarantees(tmp_path):
    "Solved atom weights are saved and loaded with the model; zero at zero and monotone in own spend still hold."
    df, truth = simulate_mmm("national_confounded", seed=0, n_weeks=80)
    m = CausalMMM(MMMConfig.decomposed(epochs=40)).fit(df, **truth.column_roles(), progress=False)
    assert bool(m.ema_model.solved) and (m.ema_model.atom_weights >= 0).all()
    m.save(tmp_path)
    back = CausalMMM.load(tmp_path)
    assert torch.equal(back.ema_model.atom_weights, m.ema_model.atom_weights)
    np.testing.assert_array_equal(back.predict(df).to_numpy(), m.predict(df).to_numpy())
    s = m.data.spend.clone(); s[..., 1] = 0
    with torch.no_grad():
        c = m.ema_model.contributions(s)
        more = m.data.spend.clone(); more[:, 30, 0] += 0.5
        up = m.ema_model.contributions(more) - m.ema_model.contributions(m.data.spend)
    assert c[..., 1].abs().max() == 0 and (up >= -1e-7).all()


def test_roi_prior_pulls_the_solved_weights():
    "An ROI prior enters the exact solve: a tight prior moves the channel's ROI onto it."
    df, truth = simulate_mmm("national_clean", seed=0)
    free = CausalMMM(MMMConfig.decomposed(epochs=60)).fit(df, **truth.column_roles(), progress=False)
    roi0 = float(free.ate_estimator().zero_spend().set_index("channel").roi["search"])
    tied = CausalMMM(MMMConfig.decomposed(epochs=60)).fit(df, **truth.column_roles(), progress=False,
                                                       roi_priors={"search": (2 * roi0, 0.01 * roi0)})
    roi1 = float(tied.ate_estimator().zero_spend().set_index("channel").roi["search"])
    assert abs(roi1 - 2 * roi0) < 0.1 * roi0, (roi0, roi1)


def test_baseline_ridge_is_validated_and_shrinks_the_network_weights():
    "cfg.baseline_ridge is the solve's ridge on the baseline network's output weights: a larger one gives smaller weights."
    with pytest.raises(ValueError, match="baseline_ridge"): MMMConfig.decomposed(baseline_ridge=-1.0)
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=80)
    m = CausalMMM(MMMConfig.decomposed(epochs=5)).fit(df, **truth.column_roles(), progress=False)
    net, weeks = m.ema_model, torch.ones(m.data.target.shape[1], dtype=torch.bool)
    norms = []
    for r in (0.01, 3.0, 300.0):
        net.solve_linear(m.data, weeks, hidden_ridge=r)
        norms.append(float(net.base_out.weight.norm()))
    assert norms[0] > norms[1] > norms[2], norms
    net.cfg.baseline_ridge = 300.0                        # the default comes from the config
    net.solve_linear(m.data, weeks)
    assert abs(float(net.base_out.weight.norm()) - norms[2]) < 1e-6 * max(norms[2], 1e-12)


def test_baseline_ridge_counts_fitted_rows():
    "Per fitted row (geo-week): two identical copies of a series solve like the series alone at the same ridge."
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=80)
    m = CausalMMM(MMMConfig.decomposed(epochs=5)).fit(df, **truth.column_roles(), progress=False)
    net, d = m.ema_model, m.data
    twice = dataclasses.replace(d, **{k: torch.cat([getattr(d, k)] * 2) for k in ("spend", "controls", "target", "static")},
                                geos=["a", "b"])
    weeks = torch.ones(d.target.shape[1], dtype=torch.bool)
    solved = lambda data, r: (net.solve_linear(data, weeks, atom_ridge=1e-3, hidden_ridge=r),
                              net.base_out.weight.clone(), net.atom_weights.clone())[1:]
    one, two, half_ridge = solved(d, 3.0), solved(twice, 3.0), solved(twice, 1.5)
    for a, b in zip(one, two): torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert not torch.allclose(one[0], half_ridge[0], rtol=1e-3)

def test_panel_solve_is_exact_with_static_columns_kept_per_geo():
    "On a panel with geo indicators the solve forms B'B per geo (chapter 06a); the written weights reproduce its MSE and are optimal."
    df, truth = simulate_mmm("geo_panel", seed=1, n_geos=5, n_weeks=60)
    m = CausalMMM(MMMConfig.decomposed(panel=True, epochs=5, patience=5)).fit(df, **truth.column_roles(), progress=False)
    net, d = m.ema_model, m.data
    assert net.n_static == d.static.shape[1] > 5                    # a static column besides the 5 indicators
    weeks = torch.arange(d.target.shape[1]) < 50                    # a subset of weeks: the masked path
    mse = net.solve_linear(d, weeks, atom_ridge=0.0, lin_ridge=0.0, hidden_ridge=0.0)
    mse_of = lambda: float(((net(d.spend, d.controls, d.target, d.static).y_hat.double() - d.target.double())[:, weeks] ** 2).mean())
    with torch.no_grad():
        assert abs(mse_of() - mse) < 1e-5 * mse
        net.base_lin.weight[0, net.n_controls + 1] += 0.05             # one geo's intercept moved: a worse fit
        assert mse_of() > mse
