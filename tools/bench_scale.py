"""Scaling benchmark (issue #19): the recommended panel fit on growing geo panels, against the oracle and classical MMM.

usage: python tools/bench_scale.py [--geos 24 96 190 500] [--weeks 109] [--channels 13] [--seed 0] [--threads 2]
                                   [--ridge-per-week] [--out benchmarks/scale]

Each size runs in a fresh process (so its peak memory is its own): simulate `geo_panel` with `n_geos` geos,
`n_weeks` weeks and `channels` generic channels (the simulator's random channel library), fit
`MMMConfig.decomposed(panel=True)` with `threads` torch threads, and score the zero-spend ATEs against the truth.
Reports per size: fit seconds (the `fit` call alone), peak resident memory of the process (RSS, MB), ATE error of the
fit, the oracle (true shapes) and the classical adstock + Hill MMM. Writes results.csv and summary.md under --out.
`--ridge-per-week` fits with the baseline ridge counted per week (3 / geos per geo-week), as before chapter 06a
counted it per geo-week: the "after the spend scale alone" numbers of chapters 06a and 17.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path
import pandas as pd

def one_size(n_geos: int, n_weeks: int, channels: int, seed: int, threads: int, ridge_per_week: bool = False) -> dict:
    "Fit one panel size in this process; the scores and the process's peak RSS."
    import resource, warnings
    import torch
    torch.set_num_threads(threads)
    from causal_mmm_nb.data import simulate_mmm
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    import causal_mmm_nb.ate  # noqa: F401  (adds CausalMMM.ate_estimator)
    from causal_mmm_nb.baselines import OracleMMM, ClassicalMMM
    from causal_mmm_nb.benchmark import fit_roles, ate_error
    df, truth = simulate_mmm("geo_panel", seed=seed, n_geos=n_geos, n_weeks=n_weeks, channels=channels)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        kw = dict(baseline_ridge=MMMConfig.baseline_ridge / n_geos) if ridge_per_week else {}   # the ridge before 06a
        m = CausalMMM(MMMConfig.decomposed(panel=True, **kw)).fit(df, **fit_roles(truth), progress=False)
    fit_s = time.perf_counter() - t0
    z = m.ate_estimator().zero_spend()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024        # Linux: kB -> MB
    t1 = time.perf_counter()
    oracle = ate_error(OracleMMM(truth).fit(df, **fit_roles(truth)).zero_spend(), truth)
    classical = ate_error(ClassicalMMM().fit(df, **fit_roles(truth)).zero_spend(), truth)
    return dict(geos=n_geos, weeks=n_weeks, channels=channels, rows=len(df), fit_seconds=round(fit_s, 1),
                peak_rss_mb=round(rss), ate_error=ate_error(z, truth), oracle=oracle, classical=classical,
                baselines_seconds=round(time.perf_counter() - t1, 1), threads=threads)

def markdown_table(res: pd.DataFrame) -> str:
    "A pipe table without the optional tabulate dependency."
    fmt = lambda x: f"{x:.3f}" if isinstance(x, float) else str(x)
    lines = ["| " + " | ".join(res.columns) + " |", "|" + " --- |" * len(res.columns)]
    return "\n".join(lines + ["| " + " | ".join(fmt(v) for v in row) + " |" for row in res.itertuples(index=False)])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--geos", type=int, nargs="+", default=[24, 96, 190, 500])
    ap.add_argument("--weeks", type=int, default=109)
    ap.add_argument("--channels", type=int, default=13)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ridge-per-week", action="store_true",
                    help="the baseline ridge counted per week, as before chapter 06a counted it per geo-week")
    ap.add_argument("--out", default="benchmarks/scale")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)   # internal: run one size, print JSON
    a = ap.parse_args()
    if a.one is not None:
        print(json.dumps(one_size(a.one, a.weeks, a.channels, a.seed, a.threads, a.ridge_per_week))); return
    rows = []
    for g in a.geos:
        cmd = [sys.executable, __file__, "--one", str(g), "--weeks", str(a.weeks), "--channels", str(a.channels),
               "--seed", str(a.seed), "--threads", str(a.threads)] + (["--ridge-per-week"] if a.ridge_per_week else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        rows.append(json.loads(out))
        r = rows[-1]
        print(f"{g:4d} geos: fit {r['fit_seconds']:6.1f} s, peak {r['peak_rss_mb']:5d} MB, ATE error {r['ate_error']:.3f} "
              f"(oracle {r['oracle']:.3f}, classical {r['classical']:.3f})", flush=True)
    res = pd.DataFrame(rows)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / "results.csv", index=False)
    cmd = "python tools/bench_scale.py " + " ".join(sys.argv[1:])
    (out / "summary.md").write_text(f"# Scaling benchmark\n\n`{cmd.strip()}`: `MMMConfig.decomposed(panel=True)` on "
                                    f"`simulate_mmm('geo_panel', n_geos=G, n_weeks={a.weeks}, channels={a.channels}, seed={a.seed})`, "
                                    f"{a.threads} torch threads, one fresh process per size.\n\n"
                                    + markdown_table(res) + "\n")
    print(f"\nwrote {out / 'results.csv'} and {out / 'summary.md'}")

if __name__ == "__main__": main()
