"""Fan-out benchmark (issue #19): an ensemble of 4 fitted sequentially and with n_jobs=2, same numbers or not.

usage: python tools/bench_fan_out.py [--members 4] [--jobs 2] [--geos 24] [--out benchmarks/scale]

For a national series (`national_confounded`) and a `geo_panel` of --geos geos, in this one process: the default
`MMMEnsemble(n_members=4)` (a point fit, then 4 bootstrap refits) and the `method='resample'` ensemble (4 independent
fits), each fitted with n_jobs=1, then twice with n_jobs=2: 'cold' (joblib starts its worker processes, which import
torch and the package) and 'warm' (the workers are reused). Reports seconds, the ratio to the sequential run and
whether the zero-spend tables (ATE, share, ROI and their bounds) are identical to the last bit.
Writes fan_out.csv and fan_out.md under --out.
"""
import argparse, sys, time, warnings
from pathlib import Path
import pandas as pd

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--geos", type=int, default=24)
    ap.add_argument("--out", default="benchmarks/scale")
    a = ap.parse_args()
    import torch
    from causal_mmm_nb.data import simulate_mmm
    from causal_mmm_nb.uncertainty import MMMEnsemble
    warnings.simplefilter("ignore", UserWarning)
    rows = []
    for scenario, kw in (("national_confounded", {}), ("geo_panel", dict(n_geos=a.geos))):
        df, truth = simulate_mmm(scenario, seed=0, **kw)
        for method in ("bootstrap", "resample"):
            runs = {}
            for label, n_jobs in (("sequential", 1), ("cold", a.jobs), ("warm", a.jobs)):
                t = time.perf_counter()
                z = MMMEnsemble(n_members=a.members, method=method, n_jobs=n_jobs).fit(df, **truth.column_roles()).zero_spend()
                runs[label] = (time.perf_counter() - t, z)
            seq_s, seq_z = runs["sequential"]
            for label, (s, z) in runs.items():
                rows.append(dict(scenario=scenario, geos=kw.get("n_geos", 1), method=method, run=label,
                                 n_jobs=1 if label == "sequential" else a.jobs, seconds=round(s, 1),
                                 ratio=round(s / seq_s, 2), identical=bool(z.equals(seq_z))))
                print(" ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)
    res = pd.DataFrame(rows)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / "fan_out.csv", index=False)
    lines = ["| " + " | ".join(res.columns) + " |", "|" + " --- |" * len(res.columns)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in res.itertuples(index=False)]
    cmd = "python tools/bench_fan_out.py " + " ".join(sys.argv[1:])
    (out / "fan_out.md").write_text(f"# Fan-out benchmark\n\n`{cmd.strip()}` on {torch.get_num_threads()} torch threads "
                                    f"(the sequential run's point fit; every refit or member runs on one thread): an ensemble "
                                    f"of {a.members}, sequential and with n_jobs={a.jobs}.\n\n" + "\n".join(lines) + "\n")
    print(f"\nwrote {out / 'fan_out.csv'} and {out / 'fan_out.md'}")

if __name__ == "__main__": main()
