"""GPU timing (issue #19): the recommended panel fit at 190 geos x 109 weeks x 13 channels on CUDA, beside the CPU.

usage: python tools/bench_gpu.py [--geos 190] [--weeks 109] [--channels 13] [--cpu]

Fits `MMMConfig.decomposed(panel=True, device='cuda')` on `simulate_mmm('geo_panel', ...)` and prints the fit seconds,
the peak GPU memory and the ATE error; --cpu also times the same fit on the CPU (tools/bench_scale.py has the CPU curve).
Without a CUDA device it says so and exits 0: nothing to time.
"""
import argparse, time, warnings
import torch

def timed_fit(df, truth, device: str):
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    from causal_mmm_nb.benchmark import fit_roles, ate_error
    import causal_mmm_nb.ate  # noqa: F401
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        m = CausalMMM(MMMConfig.decomposed(panel=True, device=device)).fit(df, **fit_roles(truth), progress=False)
    if device.startswith("cuda"): torch.cuda.synchronize()
    return time.perf_counter() - t, ate_error(m.ate_estimator().zero_spend(), truth)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--geos", type=int, default=190)
    ap.add_argument("--weeks", type=int, default=109)
    ap.add_argument("--channels", type=int, default=13)
    ap.add_argument("--cpu", action="store_true", help="also time the fit on the CPU")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to time (tools/bench_scale.py times the CPU)"); return
    from causal_mmm_nb.data import simulate_mmm
    df, truth = simulate_mmm("geo_panel", seed=0, n_geos=a.geos, n_weeks=a.weeks, channels=a.channels)
    torch.cuda.reset_peak_memory_stats()
    s, err = timed_fit(df, truth, "cuda")
    print(f"{torch.cuda.get_device_name()}: {a.geos} geos x {a.weeks} weeks x {a.channels} channels, fit {s:.1f} s, "
          f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GB, ATE error {err:.3f}")
    if a.cpu:
        s, err = timed_fit(df, truth, "cpu")
        print(f"CPU ({torch.get_num_threads()} threads): fit {s:.1f} s, ATE error {err:.3f}")

if __name__ == "__main__": main()
