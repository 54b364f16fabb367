"Invariants of MMMEnsemble's bootstrap intervals (chapter 08a) that the chapter shows poorly."
import numpy as np, pandas as pd, pytest, torch, warnings
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.uncertainty import MMMEnsemble, widened_interval, ridge_draws
import causal_mmm_nb.decomposed  # noqa: F401

DF, TRUTH = simulate_mmm("national_clean", seed=0, n_weeks=70)
CFG = MMMConfig.decomposed(epochs=30, patience=30)


def fit(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                     # short training may keep an early epoch
        return MMMEnsemble(CFG, n_members=3, **kw).fit(DF, **TRUTH.column_roles())


def test_parallel_refits_give_the_same_numbers():
    a, b = fit(n_jobs=1).zero_spend(), fit(n_jobs=2).zero_spend()
    num = a.columns[1:]                                                      # workers' BLAS runs on one thread: rounding only
    np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-4, atol=1e-4 * a.ate.abs().max())


def test_estimates_are_the_point_fit_and_intervals_contain_them():
    ens = fit()
    z, p = ens.zero_spend(), ens.point.ate_estimator().zero_spend()
    np.testing.assert_allclose(z.ate, p.ate); np.testing.assert_allclose(z.share, p.share)
    for c in ("ate", "share", "roi"):
        assert (z[f"{c}_lo"] <= z[c] + 1e-9).all() and (z[c] <= z[f"{c}_hi"] + 1e-9).all()
    wide = ens.zero_spend(interval=0.95)
    assert (wide.ate_hi >= z.ate_hi - 1e-9).all() and (wide.ate_lo <= z.ate_lo + 1e-9).all()


def test_widened_interval_stretches_each_arm_and_clips_at_zero():
    "Each arm scales with widen; a positive channel's interval stops at 0, a negative one's upper end too."
    est = pd.Series([10.0, 1.0, -2.0], index=list("abc"))
    vals = pd.DataFrame(dict(channel=list("abcabcabc"), v=[8, 0.5, -3, 12, 1.5, -1, 9, 2, -2.5]))
    lo1, hi1 = widened_interval(est, vals.groupby("channel").v, 0.8, 1.0)
    lo2, hi2 = widened_interval(est, vals.groupby("channel").v, 0.8, 2.0)
    np.testing.assert_allclose(hi2 - est, 2 * (hi1 - est)); np.testing.assert_allclose((est - lo2)[["a", "c"]], 2 * (est - lo1)[["a", "c"]])
    lo4, _ = widened_interval(est, vals.groupby("channel").v, 0.8, 4.0)
    assert lo2["b"] > 0 and lo4["b"] == 0.0                                  # estimate and refits above 0: the lower end stops at 0
    _, hi4 = widened_interval(-est, vals.assign(v=-vals.v).groupby("channel").v, 0.8, 4.0)
    assert hi4["b"] == 0.0                                                   # mirrored: a negative channel stops at 0 from above
    zero = widened_interval(pd.Series([0.0, 5.0]), pd.DataFrame(dict(channel=[0, 1] * 3, v=[0.0, 4, 0, 5, 3.0, 6])).groupby("channel").v, 0.8, 1.5)
    assert zero[0][0] == 0.0 and zero[1][0] > 0                              # estimated at 0: the upper end still reaches the refits
    assert lo4["c"] < -2.0                                                   # a negative channel is not clipped


def test_ridge_draws_stay_within_the_spread():
    ens = fit()
    r = np.array(ridge_draws(ens.point, 50, 10.0, seed=1))
    own = ridge_draws(ens.point, 1, 1.0)                                     # spread 1: the configured ridge, no draw
    assert own == [None] and len(set(r)) == 50 and r.max() / r.min() <= 100 and r.min() > 0
    from types import SimpleNamespace
    assert ridge_draws(SimpleNamespace(cfg=MMMConfig.decomposed(solver="gradient")), 3, 10.0) == [None] * 3   # no solved ridge


def test_resample_method_still_averages_members():
    ens = fit(method="resample")
    z, zm = ens.zero_spend(), ens.member_zero_spend()
    assert ens.point is None
    np.testing.assert_allclose(z.ate, zm.groupby("channel", sort=False).ate.mean())
