"""Benchmark (not a test): time one forward + backward of the default CausalTransformer on CPU.

usage: python tools/bench_model.py [--threads 2] [--repeats 5] [--case national|geo]

Cases (default MMMConfig, about 2.1 M parameters):
  national: 1 series x 156 weeks x 20 channels, 3 controls          target < 0.5 s
  geo:      24 geos x 156 weeks x 6 channels, 3 controls, 1 static  target < 1.5 s
Each case runs in a fresh process so its peak resident memory (resource.getrusage ru_maxrss)
is its own; torch's C++ allocations are not seen by tracemalloc, so RSS is the honest number.
Reported: median and best wall time of `repeats` forward+backward passes after one warm-up, and the
1-minute load average (other processes on the machine inflate the times; the best time is the least affected).
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

CASES = {"national": dict(B=1, T=156, K=20, C=3, S=0, target=0.5),
         "geo": dict(B=24, T=156, K=6, C=3, S=1, target=1.5)}


def run_case(name: str, threads: int, repeats: int) -> dict:
    "Time forward+backward of the default model on one case in this process."
    import torch
    from causal_mmm_nb.streams import CausalTransformer, MMMConfig, count_parameters
    torch.set_num_threads(threads)
    c = CASES[name]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    torch.manual_seed(0)
    model = CausalTransformer(MMMConfig(), n_channels=c["K"], n_controls=c["C"], n_static=c["S"]).train()
    spend, controls, target = torch.rand(c["B"], c["T"], c["K"]), torch.randn(c["B"], c["T"], c["C"]), torch.randn(c["B"], c["T"])
    static = torch.randn(c["B"], c["S"]) if c["S"] else None
    times = []
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        out = model(spend, controls, target, static)
        (out.y_hat.pow(2).mean() + out.a_hat.mean()).backward()
        model.zero_grad(set_to_none=True)
        if i: times.append(time.perf_counter() - t0)            # first pass is the warm-up
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(case=name, shape=f"{c['B']} x {c['T']} x {c['K']}", params=count_parameters(model),
                median_s=statistics.median(times), min_s=min(times), target_s=c["target"],
                peak_rss_mb=peak / 1024, model_rss_mb=(peak - rss0) / 1024, threads=threads)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--case", choices=sorted(CASES))
    args = ap.parse_args()
    if args.case:                                                # child: one case, JSON on stdout
        print(json.dumps(run_case(args.case, args.threads, args.repeats))); return
    print(f"torch threads {args.threads}, load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'case':9s} {'batch x weeks x channels':>24s} {'params':>10s} {'median':>9s} {'best':>9s} {'target':>7s} "
          f"{'peak RSS':>9s} {'above import':>12s}")
    for name in CASES:
        out = subprocess.run([sys.executable, __file__, "--case", name, "--threads", str(args.threads),
                              "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ok = "ok" if r["median_s"] < r["target_s"] else ("ok (best)" if r["min_s"] < r["target_s"] else "SLOW")
        print(f"{name:9s} {r['shape']:>24s} {r['params']:>10,d} {r['median_s']:>7.3f} s {r['min_s']:>7.3f} s {r['target_s']:>5.1f} s "
              f"{r['peak_rss_mb']:>6.0f} MB {r['model_rss_mb']:>9.0f} MB  {ok}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
