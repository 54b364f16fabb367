"""Does a single fit ever collapse? The share of the true total media effect each fit keeps, over data and model seeds.

usage: python tools/bench_collapse.py [--presets national_clean,national_confounded,sparse_synergy,wide_20_channels]
                                      [--seeds 0,1,2,3,4] [--model-seeds 0,1,2,3,4] [--before] [--jobs 2]

Every national preset of `simulate_mmm` x data seeds x model seeds, one fit of MMMConfig.decomposed() each (with
--before: the gradient preset this library recommended before chapter 06a's fix). Per fit the kept share is
sum(ATE_hat) / sum(ATE_true) over channels; the target of the shrinkage issue is that no fit keeps less than 50 %.
Prints one line per fit, then per preset the minimum, median and maximum kept share and the number of fits under 50 %,
and the fits whose own collapse warning (CausalMMM.fit) fired.
"""
import argparse, time, warnings
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
import numpy as np
import pandas as pd

BEFORE = dict(solver="gradient", fit_weeks="train", kernel="free", offset_bound=0.0)


def one_fit(preset: str, seed: int, mseed: int, before: bool) -> dict:
    "Fit one (preset, data seed, model seed): the kept share and whether fit warned of a collapse."
    import torch; torch.set_num_threads(1)
    from causal_mmm_nb.data import simulate_mmm
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    import causal_mmm_nb.ate  # noqa: F401
    df, truth = simulate_mmm(preset, seed=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = CausalMMM(MMMConfig.decomposed(seed=mseed, **(BEFORE if before else {}))).fit(df, **truth.column_roles(), progress=False)
    z = m.ate_estimator().zero_spend()
    warned = any("fit has collapsed" in str(w.message) for w in caught)
    return dict(preset=preset, seed=seed, model_seed=mseed, kept=float(z.ate.sum() / truth.ate.sum()), warned=warned,
                seconds=time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="national_clean,national_confounded,sparse_synergy,wide_20_channels")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--model-seeds", default="0,1,2,3,4")
    ap.add_argument("--before", action="store_true", help="the gradient preset from before chapter 06a's fix")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    cells = [(p, int(s), int(m), a.before) for p in a.presets.split(",") for s in a.seeds.split(",") for m in a.model_seeds.split(",")]
    with ProcessPoolExecutor(a.jobs, mp_context=mp.get_context("fork")) as pool:
        rows = []
        for r in pool.map(one_fit, *zip(*cells)):
            rows.append(r)
            print(f"{r['preset']:20s} seed {r['seed']} model seed {r['model_seed']}  kept {r['kept']:6.1%}"
                  f"{'  (collapse warning)' if r['warned'] else ''}  {r['seconds']:5.1f} s", flush=True)
    res = pd.DataFrame(rows)
    per = res.groupby("preset", sort=False).agg(fits=("kept", "size"), min_kept=("kept", "min"), median_kept=("kept", "median"),
                                                max_kept=("kept", "max"), under_half=("kept", lambda k: int((k < 0.5).sum())),
                                                warned=("warned", "sum"))
    print("\n" + per.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"\nall {len(res)} fits: minimum kept {res.kept.min():.1%}, fits under 50 %: {int((res.kept < 0.5).sum())}")


if __name__ == "__main__": main()
