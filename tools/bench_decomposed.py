"""Measurements behind the decomposed head's preset (chapter 06a): single fits, scored against the simulator's truth.

usage: python tools/bench_decomposed.py [--group shrinkage|ridge|baseline|panel|synergy] [--scenarios a,b] [--seeds 0,1,2]
                                        [--model-seeds 0,1,2] [--variants v1,v2]

Each variant is MMMConfig.decomposed() (its panel variant on a geo panel) with the overrides below; one fit per
scenario, data seed and model seed, the zero-spend ATE rolled out by ATEEstimator. Scores per fit: ATE error
sum|ATE_hat - ATE| / sum|ATE|, media bias sum(ATE_hat) / sum(ATE) - 1, and the share of the credit given to channels
whose true effect is 0. Per variant: median and mean ATE error, the bias range over fits and its median, the median
zero-effect share, and the seed spread (mean over datasets of the standard deviation of the ATE error over model
seeds). Groups:
  shrinkage  the old gradient preset, then one change at a time up to the current preset      national scenarios
  ridge      the ridge on the atom weights and the number of steps of the preset               national scenarios
  baseline   the ridge on the baseline network's output weights (cfg.baseline_ridge)  8 national scenarios
  panel      the preset on the 24-geo panel, with and without per-geo intercepts, and the baseline ridge   geo_panel
  synergy    the optional pairwise synergy terms, on and off                 synergy, sparse_synergy, 2 others
The benchmark against the baselines is `causal-mmm bench`.
"""
import argparse, time
import numpy as np
import pandas as pd
import torch

NATIONAL = "national_clean,national_confounded,delayed_adstock"
NATIONAL_ALL = ("national_clean,national_confounded,confounded_moderate,delayed_adstock,lagged_baseline,"
                "seasonal_effectiveness,synergy,sparse_flighting")
BEFORE = dict(solver="gradient", fit_weeks="train", kernel="free", offset_bound=0.0)   # the preset before the fix
OLD_BASE = dict(baseline_ridge=0.01)          # the solved baseline network's ridge before --group baseline (0.01 per row)
GROUPS = {
    "shrinkage": (NATIONAL, {
        "before: gradient steps on every weight": BEFORE,
        "+ bounded atom shapes": {**BEFORE, "offset_bound": 0.5},
        "+ smooth lag kernel": {**BEFORE, "offset_bound": 0.5, "kernel": "basis"},
        "solved weights (varpro) alone": dict(solver="varpro", fit_weeks="train", kernel="free", offset_bound=0.0, atom_ridge=1e-3, **OLD_BASE),
        "varpro + bounded atom shapes": dict(solver="varpro", fit_weeks="train", kernel="free", atom_ridge=1e-3, **OLD_BASE),
        "varpro + bounded + smooth kernel": dict(solver="varpro", fit_weeks="train", atom_ridge=1e-3, **OLD_BASE),
        "varpro + bounded + smooth + ridge auto": dict(fit_weeks="train", **OLD_BASE),
        "+ every week fitted": dict(OLD_BASE),
        "preset: + baseline ridge 3 per row": {},
    }),
    "ridge": (NATIONAL, {
        "atom ridge 0.01": dict(atom_ridge=0.01),
        "atom ridge 0.03": dict(atom_ridge=0.03),
        "atom ridge 0.1": dict(atom_ridge=0.1),
        "atom ridge auto (preset)": {},
        "150 steps": dict(epochs=150),
        "600 steps": dict(epochs=600),
        "no balancing (alpha 0)": dict(alpha=0.0),
    }),
    "baseline": (NATIONAL_ALL, {
        "baseline ridge 0.01 (before)": dict(baseline_ridge=0.01),
        "baseline ridge 0.1": dict(baseline_ridge=0.1),
        "baseline ridge 1": dict(baseline_ridge=1.0),
        "baseline ridge 3 (preset)": {},
        "baseline ridge 10": dict(baseline_ridge=10.0),
    }),
    "panel": ("geo_panel", {
        "preset (per-geo intercepts)": {},   # baseline ridge 3 per geo-week
        "no per-geo intercepts": dict(geo_intercepts=False),
        "baseline ridge 0.01 per row (before the ridge)": dict(baseline_ridge=0.01),
        "baseline ridge 0.125 per row (before: 3 per week)": dict(baseline_ridge=0.125),
    }),
    "synergy": ("synergy,sparse_synergy,sparse_flighting,national_clean", {
        "preset": {},
        "synergy terms on": dict(synergy=True),
    }),
}


def fit_and_score(scen, seed, mseed, kw, specs):
    "One fit: a dict of scores."
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    from causal_mmm_nb.benchmark import scenario_data, fit_roles, ate_error, media_bias, zero_effect_share
    df, truth = scenario_data(scen, seed, specs)
    t0 = time.perf_counter()
    m = CausalMMM(MMMConfig.decomposed(panel=len(truth.geos) > 1, **{"seed": mseed, **kw})).fit(df, **fit_roles(truth), progress=False)
    z = m.ate_estimator().zero_spend()
    return dict(scenario=scen, seed=seed, model_seed=mseed, ate_error=ate_error(z, truth), media_bias=media_bias(z, truth),
                zero_share=zero_effect_share(z, truth), seconds=time.perf_counter() - t0)


def summary(r: pd.DataFrame) -> dict:
    "Per-variant figures over its fits."
    spread = r.groupby(["scenario", "seed"]).ate_error.std().mean() if r.model_seed.nunique() > 1 else np.nan
    return dict(median=r.ate_error.median(), mean=r.ate_error.mean(), bias_lo=r.media_bias.min(), bias_median=r.media_bias.median(),
                bias_hi=r.media_bias.max(), zero_share=r.zero_share.median(), seed_spread=spread, seconds=r.seconds.median())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", default="shrinkage", choices=list(GROUPS))
    ap.add_argument("--scenarios", default=None)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--model-seeds", default="0,1,2")
    ap.add_argument("--variants", default=None, help="comma-separated variant names (default: all of the group)")
    a = ap.parse_args()
    scenarios, variants = GROUPS[a.group]
    scenarios = (a.scenarios or scenarios).split(",")
    chosen = a.variants.split(",") if a.variants else list(variants)
    torch.set_num_threads(1)
    import causal_mmm_nb.ate  # noqa: F401  (adds CausalMMM.ate_estimator)
    from causal_mmm_nb.benchmark import SCENARIOS
    specs = {**SCENARIOS, "sparse_synergy": ("sparse_synergy", {})}   # the raw preset: flighting and a tv x search synergy
    rows = {}
    for v in chosen:
        fits = []
        for scen in scenarios:
            for seed in map(int, a.seeds.split(",")):
                for ms in map(int, a.model_seeds.split(",")):
                    fits.append(fit_and_score(scen, seed, ms, variants[v], specs))
                    f = fits[-1]
                    print(f"{v:42s} {scen:20s} seed {seed} model seed {ms}  ATE error {f['ate_error']:.3f}  bias {f['media_bias']:+.3f}"
                          f"  zero-effect share {f['zero_share']:.3f}  {f['seconds']:5.1f} s", flush=True)
        rows[v] = summary(pd.DataFrame(fits))
    print("\n" + pd.DataFrame(rows).T.to_string(float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__": main()
