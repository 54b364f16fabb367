"Creative embeddings: flights, quality, CLIP-like vectors, the simulator's truth, bad input, scores, and a short fit."
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.creatives import (flight_rotation, split_by_flights, quality_multiplier, creative_embeddings,
                                     simulate_creative_mmm, validate_creative_embeddings, creative_scores, shuffle_within,
                                     embedding_variants, fit_creative_ate, compare_creative_models, summarize_creatives)
from causal_mmm_nb.core import CausalMMM, MMMModelError
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.baselines import OracleMMM
from causal_mmm_nb.benchmark import ate_error

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def sim():
    return simulate_creative_mmm(seed=0)


def test_flights_one_creative_at_a_time():
    on_air = flight_rotation(200, 5, (3, 6), seed=1)
    assert set(on_air) == set(range(5))
    runs = np.split(on_air, np.flatnonzero(np.diff(on_air)) + 1)
    assert min(len(r) for r in runs[:-1]) >= 3 and max(len(r) for r in runs) <= 12
    s = np.random.default_rng(0).uniform(1, 2, (1, 50, 3))
    split = split_by_flights(s, 4, rng=0)
    np.testing.assert_allclose(split.reshape(1, 50, 3, 4).sum(-1), s)
    assert ((split > 0).reshape(1, 50, 3, 4).sum(-1) == 1).all()
    with pytest.raises(ValueError, match="1 <= shortest <= longest"): flight_rotation(10, 2, (0, 3))


def test_quality_multiplier():
    z = np.random.default_rng(0).normal(size=100_000)
    assert abs(quality_multiplier(z, 0.7).mean() - 1) < 0.02
    assert np.all(np.diff(quality_multiplier(np.sort(z[:50]), 0.5)) >= 0)      # better quality, larger effect
    np.testing.assert_array_equal(quality_multiplier(z[:3], 0.0), np.ones(3))


def test_embeddings_unit_deterministic_and_informative():
    rng = np.random.default_rng(3); z, g = rng.normal(size=400), rng.integers(0, 3, 400)
    v = creative_embeddings(z, 16, seed=5, groups=g)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(v, creative_embeddings(z, 16, seed=5, groups=g))
    assert not np.allclose(v, creative_embeddings(z, 16, seed=6, groups=g))
    X = np.column_stack([v, np.ones(len(z))])
    r2 = 1 - ((z - X @ np.linalg.lstsq(X, z, rcond=None)[0]) ** 2).mean() / z.var()
    assert r2 > 0.5                                                              # quality is readable, linearly
    w = creative_embeddings(z, 16, seed=5, groups=g, signal=0.0)
    Xw = np.column_stack([w, np.ones(len(z))])
    assert 1 - ((z - Xw @ np.linalg.lstsq(Xw, z, rcond=None)[0]) ** 2).mean() / z.var() < 0.1   # signal 0: it is not
    with pytest.raises(ValueError, match="too small"): creative_embeddings(z, 4, groups=g)


def test_simulator_truth_is_consistent(sim):
    df, truth, emb = sim
    assert emb.shape == (12, 16) and truth.channels[0] == "tv_1" and list(df.columns[1:13]) == truth.channels
    np.testing.assert_allclose(truth.contributions.sum().values, truth.ate.values)
    np.testing.assert_allclose(truth.mean_outcome(truth.spend_array)[0] - truth.baseline[0], truth.contributions.sum(axis=1).values)
    df0, t0 = simulate_mmm("national_clean", seed=0, channels=["tv", "search", "social"])
    np.testing.assert_allclose(df[truth.channels].to_numpy().reshape(-1, 3, 4).sum(-1), df0[["tv", "search", "social"]].to_numpy())
    np.testing.assert_allclose(truth.params["beta"] / np.repeat(t0.params["beta"], 4), truth.params["multiplier"])
    np.testing.assert_array_equal(df[["price", "promo", "demand_index"]].to_numpy(), df0[["price", "promo", "demand_index"]].to_numpy())


@pytest.mark.parametrize("seed", range(6))
def test_every_creative_is_on_air_before_the_holdout(seed):
    df, truth, _ = simulate_creative_mmm(seed=seed)
    assert (df[truth.channels].iloc[:-13] > 0).any().all()
    assert ((df[truth.channels] > 0).sum() < 0.5 * len(df)).all()                # each runs part of the time


def test_noise_free_oracle_recovers_the_creative_effects():
    df, truth, _ = simulate_creative_mmm(seed=1, noise=0.0)
    assert ate_error(OracleMMM(truth).fit(df, **truth.column_roles()).zero_spend(), truth) < 0.02


def test_simulator_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown media \['radar'\]"): simulate_creative_mmm(media=("tv", "radar"))
    with pytest.raises(ValueError, match="n_creatives must be >= 1"): simulate_creative_mmm(n_creatives=0)
    with pytest.raises(ValueError, match="national preset"): simulate_creative_mmm(preset="geo_panel")


def test_validate_embeddings_messages(sim):
    _, truth, emb = sim; ch = truth.channels
    assert validate_creative_embeddings(emb, ch).dtype == np.float32
    np.testing.assert_array_equal(validate_creative_embeddings(dict(zip(ch[::-1], emb[::-1])), ch), emb.astype(np.float32))
    np.testing.assert_array_equal(validate_creative_embeddings(pd.DataFrame(emb, index=ch), ch), emb.astype(np.float32))
    bad = emb.copy(); bad[2, 0] = np.nan; bad[7, 1] = np.inf
    cases = [(emb[:11], r"shape \(n_channels=12, E >= 1\), got \(11, 16\)"), (emb[None], r"got \(1, 12, 16\)"),
             (emb[:, :0], r"got \(12, 0\)"), (bad, r"NaN or inf in the vectors of \['tv_3', 'search_4'\]"),
             (dict(zip(ch[1:], emb[1:])), r"no vector for channels \['tv_1'\]"),
             ({**dict(zip(ch, emb)), "tv_9": emb[0]}, r"vectors for \['tv_9'\], which are not channel columns"),
             ({**dict(zip(ch, emb)), "social_4": emb[0, :3]}, "different lengths"),
             ([["x"] * 16] * 12, "must be numeric")]
    for value, msg in cases:
        with pytest.raises(MMMModelError, match=msg): validate_creative_embeddings(value, ch)
    with pytest.raises(MMMModelError, match="fix:"): validate_creative_embeddings(bad, ch)


def test_fit_rejects_bad_embeddings_before_training(sim):
    df, truth, emb = sim
    fit = lambda e: CausalMMM(MMMConfig.small(epochs=1)).fit(df, **truth.column_roles(), creative_embeddings=e, progress=False)
    bad = emb.copy(); bad[0, 0] = np.nan
    for value, msg in [(emb[:, None], "must have shape"), (emb[1:], "must have shape"), (bad, "NaN or inf"),
                       (dict(zip(truth.channels[:-1], emb)), r"no vector for channels \['social_4'\]")]:
        with pytest.raises(MMMModelError, match=msg): fit(value)


def test_scores(sim):
    _, truth, _ = sim
    np.testing.assert_allclose(list(creative_scores(truth.ate, truth).values()), [0.0, 1.0, 1.0, 1.0])
    med = truth.params["medium"]
    flat = truth.ate.groupby(med).transform("sum") / truth.spend.groupby(med).transform("sum") * truth.spend
    s = creative_scores(flat, truth)
    assert s["quality_spearman"] == 0.0 and s["ate_error"] > 0.05 and abs(s["total_ratio"] - 1) < 1e-9
    assert creative_scores(np.zeros(12), truth)["ate_error"] == 1.0


def test_controls(sim):
    _, truth, emb = sim; med = truth.params["medium"]
    p = shuffle_within(med, 3)
    assert (med[p] == med).all() and (p != np.arange(12)).all() and sorted(p) == list(range(12))
    v = embedding_variants(emb, truth)
    assert v["none"] is None and v["embeddings"] is emb and v["true quality"].shape == (12, 4)
    assert not np.allclose(v["shuffled"], emb)


def test_short_fit_uses_the_embeddings():
    df, truth, emb = simulate_creative_mmm(seed=0, n_weeks=70)
    kw = dict(head="decomposed", seed=0, epochs=15, patience=15)
    with_emb = fit_creative_ate(df, truth, emb, **kw)
    shuffled = fit_creative_ate(df, truth, emb[shuffle_within(truth.params["medium"])], **kw)
    assert list(with_emb.index) == truth.channels and np.isfinite(with_emb).all()
    assert not np.allclose(with_emb.values, shuffled.values)                     # the embeddings reach the model
    with pytest.raises(ValueError, match="head must be one of"): fit_creative_ate(df, truth, emb, head="linear")


def test_compare_grid_shape():
    res = compare_creative_models(seeds=[0], variants=["none", "embeddings"], n_models=1,
                                  cfg_overrides=dict(epochs=5, patience=5), n_weeks=70)
    assert list(res.variant) == ["-", "-", "none", "embeddings"]
    assert summarize_creatives(res).shape == (4, 2) and res.ate_error.notna().all()
