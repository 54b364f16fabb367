"""Lift tests and budget decisions against the simulator's truth (chapters 06b and 08c).

For every benchmark scenario (chapter 13) and data seed: one 8-week go-dark test per channel, measured with 20 %
noise (`go_dark_tests`); the recommended fit without and with the tests, the oracle and the classical MMM. Scores:
ATE error and media bias of each, and the share of the true optimal gain that each one's budget allocation captures
(today's total over the whole period, every channel within 0.5-1.5x; `decision_quality`).

    python tools/bench_experiments.py --jobs 2                       # every scenario, seeds 0 1 2
    python tools/bench_experiments.py --scenarios national_clean --seeds 0
    python tools/bench_experiments.py --intervals 20 --scenarios national_clean national_confounded --out /tmp/x

Writes benchmarks/experiments/results.csv and summary.md (with --out elsewhere).
"""
import argparse, sys, time, warnings
from pathlib import Path
import numpy as np, pandas as pd


INTERVALS = {"refits": 0}   # set by --intervals before the pool forks


def cell(name: str, seed: int) -> list:
    "Rows (one per method) for one scenario and data seed."
    import torch; torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    from causal_mmm_nb.benchmark import scenario_data, fit_roles, default_causal_config, ate_error, media_bias
    from causal_mmm_nb.baselines import OracleMMM, ClassicalMMM
    from causal_mmm_nb.core import CausalMMM
    from causal_mmm_nb.experiments import go_dark_tests
    from causal_mmm_nb.budget import decision_quality, linear_mmm_allocation
    df, truth = scenario_data(name, seed)
    roles, tests = fit_roles(truth), go_dark_tests(truth, seed=seed)
    rows = []
    for method in ("oracle", "classical", "causal_mmm", "causal_mmm_lift"):
        t0 = time.perf_counter()
        if method in ("oracle", "classical"):
            m = (OracleMMM(truth) if method == "oracle" else ClassicalMMM()).fit(df, **roles)
            z, alloc = m.zero_spend(), linear_mmm_allocation(m)
        else:
            m = CausalMMM(default_causal_config(truth)).fit(df, **roles, progress=False, **(dict(lift_tests=tests) if method.endswith("lift") else {}))
            est = m.ate_estimator()
            z, alloc = est.zero_spend(), est.optimize_budget().multiplier.iloc[:-1].to_numpy()
        dq = decision_quality(alloc, truth)
        cov = {}
        if INTERVALS["refits"] and method.startswith("causal"):              # bootstrap intervals of the same fit (chapter 08a)
            from causal_mmm_nb.uncertainty import MMMEnsemble, interval_coverage
            zi = MMMEnsemble(n_members=INTERVALS["refits"]).bootstrap(m).zero_spend()
            cov = dict(ate_coverage=interval_coverage(zi, truth, "ate"),
                       interval_width=float((zi.ate_hi - zi.ate_lo).median() / truth.ate.reindex(zi.channel).abs().mean()))
        rows.append(dict(scenario=name, seed=seed, method=method, ate_error=ate_error(z, truth), media_bias=media_bias(z, truth),
                         captured=dq["captured"], **cov, seconds=time.perf_counter() - t0))
        print(f"{name:22s} seed {seed} {method:16s} ate_error {rows[-1]['ate_error']:.3f} captured {dq['captured']:.2f}  {rows[-1]['seconds']:5.1f} s", flush=True)
    return rows


def targets(res: pd.DataFrame) -> pd.DataFrame:
    "The issue's targets, measured: medians over seeds per scenario."
    err = res.pivot_table(index="scenario", columns="method", values="ate_error", aggfunc="median")
    cap = res.pivot_table(index="scenario", columns="method", values="captured", aggfunc="median")
    cut = 1 - err.causal_mmm_lift / err.causal_mmm
    rows = [("lowest scenario: ATE error cut by the lift tests", cut.min(), ">= 0.40", cut.min() >= 0.4),
            ("median scenario: lift-calibrated ATE error / uncalibrated oracle's", (err.causal_mmm_lift / err.oracle).median(), "<= 1", (err.causal_mmm_lift / err.oracle).median() <= 1)]
    for m in ("causal_mmm", "causal_mmm_lift"):
        rows.append((f"lowest scenario: share of the true optimal gain captured ({m})", cap[m].min(), ">= 0.80", cap[m].min() >= 0.8))
        more = int((cap[m] > cap.classical).sum())
        rows.append((f"scenarios where {m} captures more than classical", more, f"> {len(cap) // 2} of {len(cap)}", more > len(cap) // 2))
    return pd.DataFrame(rows, columns=["target", "value", "bound", "met"])


def main():
    from causal_mmm_nb.benchmark import SCENARIOS, markdown_table
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scenarios", nargs="*", default=list(SCENARIOS)); p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--jobs", type=int, default=1); p.add_argument("--out", default="benchmarks/experiments")
    p.add_argument("--intervals", type=int, default=0, help="also bootstrap 80 %% intervals of both causal fits with this many refits")
    a = p.parse_args()
    INTERVALS["refits"] = a.intervals
    t0 = time.perf_counter()
    cells = [(s, seed) for s in a.scenarios for seed in a.seeds]
    if a.jobs > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(a.jobs, mp_context=mp.get_context("fork")) as pool: rows = [r for rs in pool.map(cell, *zip(*cells)) for r in rs]
    else: rows = [r for c in cells for r in cell(*c)]
    res = pd.DataFrame(rows); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / "results.csv", index=False)
    order = list(dict.fromkeys(res.scenario)); methods = ["oracle", "classical", "causal_mmm", "causal_mmm_lift"]
    tab = lambda v: markdown_table(res.pivot_table(index="scenario", columns="method", values=v, aggfunc="mean" if v.endswith("coverage") else "median")
                                   .reindex(index=order, columns=[m for m in methods if v in res and res[res.method == m][v].notna().any()]))
    command = " ".join(["python tools/bench_experiments.py", *sys.argv[1:]])
    md = [f"# Lift tests and budget decisions\n\n`{command}` ({len(a.seeds)} data seeds, "
          f"{time.perf_counter() - t0:.0f} s on this machine). One 8-week go-dark test per channel, 20 % noise; allocations keep today's "
          "total over the whole period with every channel within 0.5-1.5x; medians over seeds.\n",
          f"## ATE error\n\n{tab('ate_error')}\n", f"## media bias\n\n{tab('media_bias')}\n",
          f"## share of the true optimal gain captured by each method's allocation\n\n{tab('captured')}\n",
          *([f"## mean 80 % interval coverage of the true ATEs ({a.intervals} bootstrap refits)\n\n{tab('ate_coverage')}\n",
             f"## median interval width / mean true |ATE|\n\n{tab('interval_width')}\n"] if a.intervals else []),
          f"## targets\n\n{markdown_table(targets(res).set_index('target'))}\n"]
    (out / "summary.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
