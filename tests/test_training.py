"Fast tests of balancing, priors, training and CausalMMM (chapters 04-07): small config, few epochs."
import json
import dataclasses
import numpy as np
import pandas as pd
import pytest
import torch
from causal_mmm_nb.data import simulate_mmm, prepare_mmm_data
from causal_mmm_nb.streams import MMMConfig, CausalTransformer
from causal_mmm_nb.balancing import adversary_head, adversary_step, main_step, model_inputs, week_masks, NonFiniteLossError
from causal_mmm_nb.priors import make_priors, PriorLoss
from causal_mmm_nb.training import train_model, MMMTrainingError
from causal_mmm_nb.core import CausalMMM, MMMModelError

CFG = dict(epochs=8, patience=8, ema_decay=0.9)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    "Small models: one thread is fastest and immune to oversubscription when tests run beside other work."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def sim():
    df, truth = simulate_mmm("national_confounded", seed=0, n_weeks=60)
    return df, truth.column_roles(), truth


@pytest.fixture(scope="module")
def prepared(sim):
    df, roles, _ = sim
    return prepare_mmm_data(df, **roles, holdout_weeks=13)


@pytest.fixture(scope="module")
def fitted(sim):
    df, roles, _ = sim
    return CausalMMM(MMMConfig.small(**CFG)).fit(df, **roles, progress=False)


def new_model(data, cfg):
    torch.manual_seed(cfg.seed)
    return CausalTransformer(cfg, data.spend.shape[-1], data.controls.shape[-1])


def snap(params): return [p.detach().clone() for p in params]
def moved(a, b): return [not torch.equal(x, y) for x, y in zip(a, b)]


def test_alternation_updates_only_intended_parameters(prepared):
    data, _ = prepared
    cfg = MMMConfig.small()
    model = new_model(data, cfg).train()
    head, (train_w, _) = adversary_head(model), week_masks(data.target.shape[1], data.n_train)
    main_opt = torch.optim.AdamW(model.main_parameters(), lr=1e-2)
    adv_opt = torch.optim.Adam(model.adversary_parameters(), lr=1e-2)
    out = model(**model_inputs(data))
    a0, m0 = snap(model.adversary_parameters()), snap(model.main_parameters())
    adversary_step(head, out.phi, data.spend, train_w, adv_opt)
    a1, m1 = snap(model.adversary_parameters()), snap(model.main_parameters())
    assert all(moved(a0, a1)) and not any(moved(m0, m1))
    grads = snap(p.grad for p in model.adversary_parameters())
    main_step(model, head, out, data.target, train_w, main_opt, alpha_p=1.0)
    a2, m2 = snap(model.adversary_parameters()), snap(model.main_parameters())
    assert not any(moved(a1, a2)) and sum(moved(m1, m2)) > 0.9 * len(m1)
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.adversary_parameters()))  # step 2 left no G_A gradient
    assert all(p.requires_grad for p in model.adversary_parameters())


def test_ema_differs_and_predict_uses_ema(fitted, sim):
    df = sim[0]
    assert any(not torch.equal(a, b) for a, b in zip(fitted.ema_model.parameters(), fitted.model.parameters()))
    pred = fitted.predict(df).to_numpy()
    fitted.model.eval()
    with torch.no_grad():
        y_ema = fitted.ema_model(**model_inputs(fitted.data)).y_hat
        y_raw = fitted.model(**model_inputs(fitted.data)).y_hat
    ema_orig = fitted.preprocessor.inverse_target(y_ema, fitted.data.geos)[0]
    raw_orig = fitted.preprocessor.inverse_target(y_raw, fitted.data.geos)[0]
    np.testing.assert_allclose(pred, ema_orig, rtol=1e-6)
    assert np.abs(pred - raw_orig).max() > 1e-3 * np.abs(pred).mean()


def test_same_seed_same_predictions(fitted, sim):
    df, roles, _ = sim
    again = CausalMMM(MMMConfig.small(**CFG)).fit(df, **roles, progress=False)
    np.testing.assert_array_equal(again.predict(df).to_numpy(), fitted.predict(df).to_numpy())


def test_save_load_roundtrip_and_mismatch(fitted, sim, tmp_path):
    df, roles, _ = sim
    fitted.save(tmp_path / "m")
    back = CausalMMM.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict(df).to_numpy(), fitted.predict(df).to_numpy())
    assert back.channels == fitted.channels and back.cfg == fitted.cfg
    with pytest.raises(MMMModelError, match="column mismatch"):
        CausalMMM.load(tmp_path / "m", expected_columns=["week", "tv", "sales"])
    with pytest.raises(MMMModelError, match="lacks columns"):
        back.predict(df.drop(columns=["price"]))
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    meta["version"] = "0.0.1"
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(MMMModelError, match="saved by causal_mmm_nb 0.0.1"):
        CausalMMM.load(tmp_path / "m")


def test_unknown_channel_in_priors_is_an_error(sim):
    df, roles, _ = sim
    with pytest.raises(ValueError, match=r"unknown channel\(s\) \['radio'\]"):
        CausalMMM(MMMConfig.small(**CFG)).fit(df, **roles, signs={"radio": 1})


def test_roi_prior_with_tiny_sigma_pulls_roi_to_mu(sim):
    "A Gaussian ROI prior N(mu, 0.01^2) on tv brings the teacher-forced ROI within 10% of mu."
    df, roles, _ = sim
    mu = 1.5
    mmm = CausalMMM(MMMConfig.small(epochs=40, patience=40, ema_decay=0.9)).fit(
        df, **roles, roi_priors={"tv": (mu, 0.01)}, signs={c: 0 for c in roles["channel_cols"]}, progress=False)
    train_w, _ = week_masks(mmm.data.target.shape[1], mmm.data.n_train)
    prior = PriorLoss(mmm.priors, mmm.data, train_w, mmm.preprocessor)
    with torch.no_grad(): roi = float(prior.roi(mmm.ema_model)[0])
    assert abs(roi - mu) < 0.1 * mu, roi


def test_constant_target_and_tiny_data_are_clear_errors(prepared, sim):
    data, _ = prepared
    cfg = MMMConfig.small(**CFG)
    const = dataclasses.replace(data, target=torch.zeros_like(data.target))
    with pytest.raises(MMMTrainingError, match="target is constant"):
        train_model(new_model(data, cfg), const, cfg, progress=False)
    tiny = dataclasses.replace(data, spend=data.spend[:, :6], controls=data.controls[:, :6], target=data.target[:, :6], n_train=4)
    with pytest.raises(MMMTrainingError, match="only 4 training weeks"):
        train_model(new_model(data, cfg), tiny, cfg, progress=False)
    df, roles, _ = sim
    flat = df.assign(sales=1000.0)
    with pytest.raises(ValueError, match="constant"):   # the preprocessor or the trainer, never NaN
        CausalMMM(cfg).fit(flat, **roles, progress=False)
    with pytest.raises(ValueError):
        CausalMMM(cfg).fit(df.head(20), **roles, progress=False)


class Sabotaged(torch.nn.Module):
    "From forward call `after` on, y_hat is NaN."
    def __init__(self, model, after):
        super().__init__(); self.m, self.after, self.calls = model, after, 0
    def forward(self, *a, **kw):
        self.calls += 1
        out = self.m(*a, **kw)
        return out._replace(y_hat=out.y_hat * float("nan")) if self.calls > self.after else out
    def adversary_parameters(self): return self.m.adversary_parameters()
    def main_parameters(self): return self.m.main_parameters()


def test_nan_in_loss_raises_with_epoch(prepared):
    data, _ = prepared
    cfg = MMMConfig.small(**CFG)
    bad = Sabotaged(new_model(data, cfg), after=2)   # one training forward per epoch: NaN from epoch 2
    with pytest.raises(NonFiniteLossError, match="epoch 2 step \\(2\\): loss_y=nan"):
        train_model(bad, data, cfg, progress=False)
    assert all(torch.isfinite(p).all() for p in bad.parameters())


@pytest.fixture(scope="module")
def panel():
    df, truth = simulate_mmm("geo_panel", seed=0, n_geos=6, n_weeks=40)
    return prepare_mmm_data(df, **truth.column_roles(), holdout_weeks=13)


def panel_model(data, cfg):
    torch.manual_seed(cfg.seed)
    return CausalTransformer(cfg, data.spend.shape[-1], data.controls.shape[-1], data.static.shape[-1])


def test_sign_prior_on_all_geos_is_exact_and_a_subset_removes_a_violation(panel):
    "prior_geos >= G (or 0) gives the exact penalty; steps on 2 random geos drive the all-geo penalty to ~0."
    from causal_mmm_nb.priors import sign_penalty, eval_mode
    data, _ = panel
    neg = make_priors(data.channels, default_sign=-1)        # a fresh model's effects violate -1 signs
    cfg = MMMConfig.small()
    model = panel_model(data, cfg)
    train_w, _ = week_masks(data.target.shape[1], data.n_train)
    with eval_mode(model): exact = sign_penalty(model, data, train_w, neg.signs).item()
    assert exact > 0
    for n in (0, 6, 99):
        assert abs(PriorLoss(neg, data, train_w, n_geos=n)(model)["loss_sign"].item() - exact) < 1e-6
    few, opt = PriorLoss(neg, data, train_w, n_geos=2, seed=1), torch.optim.Adam(model.main_parameters(), lr=1e-3)
    for _ in range(30):
        loss = few(model)["loss_sign"]
        if loss.requires_grad: opt.zero_grad(); loss.backward(); opt.step()
    with eval_mode(model): after = sign_penalty(model, data, train_w, neg.signs).item()
    assert after < 0.05 * exact, (exact, after)


def test_geo_batches_and_prior_subsets_are_reproducible(panel):
    "train_model on a panel with geo mini-batches and a sign prior on a geo subset: same seed, same history."
    data, pre = panel
    cfg = MMMConfig.small(epochs=3, patience=30, ema_decay=0.9, geo_batch_size=2, prior_geos=2)
    runs = [train_model(panel_model(data, cfg), data, cfg, make_priors(data.channels), pre, progress=False) for _ in range(2)]
    h = runs[0].history
    assert len(h) == 3 and "loss_sign" in h and np.isfinite(h.val_y).all()
    pd.testing.assert_frame_equal(h, runs[1].history)
    full = dataclasses.replace(cfg, geo_batch_size=0)
    other = train_model(panel_model(data, full), data, full, make_priors(data.channels), pre, progress=False).history
    assert not np.allclose(other.val_y, h.val_y)               # batches change the path: 3 steps per epoch, not 1


def test_warns_when_the_kept_epoch_is_the_first(prepared, monkeypatch):
    "A holdout loss that only rises keeps epoch 0: the user is told to raise the patience."
    import causal_mmm_nb.training as training
    losses = iter(np.linspace(1.0, 2.0, 50))
    monkeypatch.setattr(training, "evaluate", lambda *a, **k: float(next(losses)))
    data, _ = prepared
    cfg = MMMConfig.small(epochs=10, patience=3)
    model = CausalTransformer(cfg, data.spend.shape[-1], data.controls.shape[-1])
    with pytest.warns(UserWarning, match="lowest at epoch 0.*raise cfg.patience"):
        res = train_model(model, data, cfg, progress=False)
    assert res.best_epoch == 0 and len(res.history) == 1 + 3          # epoch 0, then patience 3
