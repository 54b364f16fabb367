"""The review's placebo check (chapter 08b) on every benchmark scenario, and on a crafted case where it must fail.

usage: python tools/bench_placebo.py [--scenarios national_clean geo_panel] [--seeds 0 1 2] [--refits 8] [--jobs 1]

For each scenario and data seed: fit the recommended preset, add a block-shuffled copy of the largest channel as a
placebo, refit it as an MMMEnsemble with `--refits` refits, and print the placebo's share of the credit, whether its
80 % ATE interval holds 0, and the status. The crafted case is an unshuffled copy of the same channel (a duplicate,
so it carries the real channel's information); it must fail. Target (issue 16): pass on every scenario, fail on the
crafted case.
"""
import argparse, time


def main():
    from causal_mmm_nb.benchmark import SCENARIOS, scenario_data, fit_roles
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--refits", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    from causal_mmm_nb.core import CausalMMM
    from causal_mmm_nb.streams import MMMConfig
    import causal_mmm_nb.decomposed  # noqa: F401  (adds MMMConfig.decomposed)
    from causal_mmm_nb.review import check_placebo
    for scen in a.scenarios:
        for seed in a.seeds:
            df, truth = scenario_data(scen, seed)
            t0 = time.perf_counter()
            mmm = CausalMMM(MMMConfig.decomposed(panel=truth.geo_col is not None)).fit(df, **fit_roles(truth), progress=False)
            real = check_placebo(mmm, n_refits=a.refits, n_jobs=a.jobs)[0]
            copy = check_placebo(mmm, block_weeks=df[truth.date_col].nunique())[0] if seed == a.seeds[0] else None
            line = f"{scen:>22} seed {seed}: placebo {real['status']:>6} share {real['value']:.1%}, " + real["reason"].split("; ")[-1]
            if copy: line += f" | unshuffled copy {copy['status']} ({copy['value']:.1%})"
            print(line + f"  [{time.perf_counter() - t0:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
