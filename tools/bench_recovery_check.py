"""The parametric-bootstrap self-check (chapter 08a) over simulated data sets, before and after chapter 06a's fix.

usage: python tools/bench_recovery_check.py [--scenarios a,b] [--seeds 0,1,2] [--refits 4] [--jobs 2]

For each scenario and data seed, one fit of MMMConfig.decomposed() and one of the gradient preset this library
recommended before (BEFORE below), each followed by `recovery_check`: refits on the model's own fitted outcome plus
block-resampled residuals. Prints the total recovery (refits' summed ATE over the model's own) per fit, then its
minimum, median and maximum per preset. A consistent estimator of a correctly specified model recovers about 100 %.
"""
import argparse, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
import pandas as pd

BEFORE = dict(solver="gradient", fit_weeks="train", kernel="free", offset_bound=0.0)


def one(scen: str, seed: int, name: str, refits: int) -> dict:
    import torch; torch.set_num_threads(1)
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    from causal_mmm_nb.benchmark import scenario_data, fit_roles
    import causal_mmm_nb.uncertainty  # noqa: F401  (adds CausalMMM.recovery_check)
    df, truth = scenario_data(scen, seed)
    t0 = time.perf_counter()
    m = CausalMMM(MMMConfig.decomposed(**(BEFORE if name == "before" else {}))).fit(df, **fit_roles(truth), progress=False)
    rc = m.recovery_check(n_refits=refits)
    return dict(scenario=scen, seed=seed, preset=name, recovery=rc.attrs["total_recovery"], seconds=time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="national_clean,national_confounded,delayed_adstock")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--refits", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    cells = [(s, int(d), p, a.refits) for s in a.scenarios.split(",") for d in a.seeds.split(",") for p in ("before", "preset")]
    rows = []
    with ProcessPoolExecutor(a.jobs, mp_context=mp.get_context("fork")) as pool:
        for r in pool.map(one, *zip(*cells)):
            rows.append(r)
            print(f"{r['scenario']:20s} seed {r['seed']} {r['preset']:7s} total recovery {r['recovery']:6.1%}  {r['seconds']:5.1f} s", flush=True)
    res = pd.DataFrame(rows)
    print("\n" + res.groupby("preset").recovery.describe()[["min", "50%", "max"]].to_string(float_format=lambda x: f"{x:.1%}"))


if __name__ == "__main__": main()
