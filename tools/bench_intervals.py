"""Time MMMEnsemble (chapter 08a) on national presets and score its 80 % intervals against the truth.

usage: python tools/bench_intervals.py [--scenarios national_clean national_confounded] [--seeds 0] [--jobs 2] [--members 20]
       python tools/bench_intervals.py --widen 1.0 1.5 2.0 --seeds 0 1 2     # coverage of several widenings, same refits

For each benchmark scenario (chapter 13) and data seed: seconds for the point fit and its refits (n_jobs processes), then per widening the
coverage of the true ATEs, shares and ROIs and the median ATE interval width / mean true |ATE|. The issue's timing
target is <= 60 s for a national fit on 2 cores. Coverage over all scenarios is the job of `causal-mmm bench`.
"""
import argparse, time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", nargs="+", default=["national_clean", "national_confounded"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--widen", nargs="+", type=float, default=[1.5])
    a = ap.parse_args()
    from causal_mmm_nb.benchmark import scenario_data, fit_roles
    from causal_mmm_nb.uncertainty import MMMEnsemble, interval_coverage
    rows = []
    for preset in a.scenarios:
        for seed in a.seeds:
            df, truth = scenario_data(preset, seed)
            t0 = time.perf_counter()
            ens = MMMEnsemble(n_members=a.members, n_jobs=a.jobs).fit(df, **fit_roles(truth))
            secs = time.perf_counter() - t0
            for w in a.widen:
                ens.widen = w
                z = ens.zero_spend()
                width = (z.ate_hi - z.ate_lo).median() / truth.ate.abs().mean()
                cov = {c: interval_coverage(z, truth, c) for c in ("ate", "share", "roi")}
                rows.append(dict(widen=w, seconds=secs, width=width, **cov))
                print(f"{preset:>20} seed {seed}: {secs:5.1f} s ({a.members} refits, {a.jobs} jobs)  widen {w:g}: coverage "
                      + "  ".join(f"{c} {v:.0%}" for c, v in cov.items()) + f"  width {width:.2f}", flush=True)
    if len(rows) > 1:
        import pandas as pd
        print("\nmean over fits, per widening:\n" + pd.DataFrame(rows).groupby("widen").mean().round(3).to_string())


if __name__ == "__main__":
    main()
