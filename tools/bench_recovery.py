"""The recovery benchmark: every method x scenario x seed against the simulator's ground truth.

usage: python tools/bench_recovery.py [--out build/benchmark] [--seeds 0,1,2] [--scenarios a,b] [--methods m1,m2]
                                      [--quick] [--threads 2]

Writes OUT/benchmark_results.csv (one row per scenario, seed, method: ate_error, ratio_to_oracle, share_error,
roi_spearman, holdout_r2, fit_seconds), OUT/benchmark.png (ATE error per scenario and method, oracle floor marked)
and OUT/summary.md (median ATE error and median ratio to the oracle), and prints the summary.

Methods: oracle, classical, naive (chapter 12) and, when chapters 07-08 are built, causal_mmm and
causal_mmm_alpha0 (MMMConfig.small() on national data, MMMConfig() on panels). Default: all available.
--quick: seed 0, scenarios national_clean, national_confounded, geo_panel, all available methods, and for the
causal methods a short training run (epochs 60, patience 10) — a smoke test of the whole pipeline.
Targets on 2 CPU cores: --quick under 3 minutes, the full run under 30 minutes (the baselines alone take about a
minute; the transformer fits dominate).
"""
import argparse, dataclasses, sys, time
from pathlib import Path


def parse_list(s, cast=str):
    "Comma-separated list, or None when not given."
    return None if s is None else [cast(x) for x in s.split(",") if x.strip()]


def select_methods(names, quick: bool) -> dict:
    "The requested methods by name, causal ones only when importable."
    from causal_mmm_nb.benchmark import BASELINE_METHODS, causal_mmm_methods, causal_mmm_available, default_causal_config
    available = dict(BASELINE_METHODS)
    if causal_mmm_available():
        cfg = (lambda truth: dataclasses.replace(default_causal_config(truth), epochs=60, patience=10)) if quick else None
        available.update(causal_mmm_methods(cfg))
    names = list(available) if names is None else names
    unknown = [n for n in names if n not in available]
    if unknown:
        hint = " (causal_mmm needs causal_mmm_nb.core and causal_mmm_nb.ate: chapters 07-08)" if any(n.startswith("causal") for n in unknown) else ""
        sys.exit(f"unknown or unavailable methods {unknown}; available: {sorted(available)}{hint}")
    return {n: available[n] for n in names}


def markdown_table(t) -> str:
    "A DataFrame as a GitHub markdown table (no tabulate dependency)."
    cols = [t.index.name or ""] + [str(c) for c in t.columns]
    rows = [[str(i)] + ["" if v != v else f"{v:g}" for v in r] for i, r in zip(t.index, t.to_numpy())]
    return "\n".join("| " + " | ".join(r) + " |" for r in [cols, ["---"] * len(cols)] + rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="build/benchmark", help="output folder (default build/benchmark)")
    ap.add_argument("--seeds", help="comma-separated data seeds (default 0,1,2; --quick: 0)")
    ap.add_argument("--scenarios", help="comma-separated scenario names (default all; --quick: 3)")
    ap.add_argument("--methods", help="comma-separated method names (default all available)")
    ap.add_argument("--quick", action="store_true", help="reduced run: 1 seed, 3 scenarios, short transformer training")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    args = ap.parse_args(argv)
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from causal_mmm_nb.benchmark import SCENARIOS, QUICK_SCENARIOS, run_benchmark, summarize, plot_benchmark
    try:
        import torch; torch.set_num_threads(args.threads)
    except ImportError: pass
    seeds = parse_list(args.seeds, int) or ([0] if args.quick else [0, 1, 2])
    scenarios = parse_list(args.scenarios) or (QUICK_SCENARIOS if args.quick else list(SCENARIOS))
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad: sys.exit(f"unknown scenarios {bad}; choose from {list(SCENARIOS)}")
    methods = select_methods(parse_list(args.methods), args.quick)
    print(f"scenarios {scenarios}\nseeds {seeds}\nmethods {list(methods)}", flush=True)
    t0 = time.perf_counter()
    res = run_benchmark(scenarios, methods, seeds=seeds, progress=True)
    wall = time.perf_counter() - t0
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / "benchmark_results.csv", index=False)
    ax = plot_benchmark(res); plt.tight_layout(); ax.figure.savefig(out / "benchmark.png", dpi=120); plt.close(ax.figure)
    err, ratio = summarize(res, "ate_error").round(3), summarize(res).round(2)
    secs = summarize(res, "fit_seconds").round(2)
    text = (f"# Recovery benchmark\n\nseeds {seeds}; {len(res)} fits in {wall:.0f} s\n\n## median ATE error\n\n{markdown_table(err)}\n\n"
            f"## median ratio to oracle\n\n{markdown_table(ratio)}\n\n## median fit seconds\n\n{markdown_table(secs)}\n")
    (out / "summary.md").write_text(text)
    print("\n" + text + f"\nwrote {out / 'benchmark_results.csv'}, {out / 'benchmark.png'}, {out / 'summary.md'}")


if __name__ == "__main__":
    main()
