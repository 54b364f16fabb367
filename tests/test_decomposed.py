"""Decomposed outcome head: zero at zero spend, monotone, causal, K-independent size, decomposition ATE == rollout ATE."""
import dataclasses
import numpy as np, pytest, torch
from causal_mmm_nb.data import simulate_mmm, prepare_mmm_data
from causal_mmm_nb.streams import MMMConfig, count_parameters
from causal_mmm_nb.training import train_model
from causal_mmm_nb.ate import ATEEstimator
from causal_mmm_nb.decomposed import DecomposedCausalTransformer, decomposition_ate, lagged

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
