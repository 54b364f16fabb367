"""Benchmark of ATE estimation (not a timed test): zero-spend ATE and ROI-curve rollouts on 2 CPU threads.

usage: python tools/bench_ate.py [--train-epochs N] [--no-demo]

Models use the default MMMConfig (about 2 M parameters). By default they are untrained (seeded
random weights: the cost of a rollout does not depend on what the weights learned, only the number
of Jacobi passes does, and that is printed); --train-epochs N trains each briefly first.
One untimed forward pass warms each model up first. At the end the `causal-mmm demo` attribution (small config, fitted) is printed against the truth.
"""
import argparse, time
import torch
torch.set_num_threads(2)
from causal_mmm_nb.data import simulate_mmm, prepare_mmm_data
from causal_mmm_nb.streams import MMMConfig, CausalTransformer, count_parameters
from causal_mmm_nb.ate import ATEEstimator

def model_for(data, cfg, epochs: int):
    "Default-config model for `data`, untrained or trained for `epochs` epochs."
    torch.manual_seed(cfg.seed)
    G, T, K = data.spend.shape
    m = CausalTransformer(cfg, K, data.controls.shape[-1], data.static.shape[-1])
    if epochs:
        from causal_mmm_nb.training import train_model
        m = train_model(m, data, cfg, progress=False, epochs=epochs, patience=epochs).ema_model
    return m.eval()

def timed(f):
    "(result, seconds) of f()."
    t0 = time.perf_counter(); r = f(); return r, time.perf_counter() - t0

def bench(preset: str, target_s: float, epochs: int, curve: bool = False):
    "Time zero-spend ATE for all channels of `preset` (and a 21-point ROI curve) from a fresh estimator."
    df, truth = simulate_mmm(preset, seed=0)
    data, pre = prepare_mmm_data(df, **truth.column_roles())
    cfg = MMMConfig()
    m = model_for(data, cfg, epochs)
    G, T, K = data.spend.shape
    state = "untrained" if not epochs else f"trained {epochs} epochs"
    print(f"\n{preset}: {G} geos x {T} weeks x {K} channels, default MMMConfig ({count_parameters(m):,} parameters, {state})")
    with torch.no_grad(): m(data.spend, data.controls, data.target, data.static if data.static.shape[-1] else None)  # warm-up, not timed
    est = ATEEstimator(m, data, pre)
    _, s = timed(est.zero_spend)
    print(f"  zero-spend ATE, all {K} channels (factual + {K} worlds, rollout): {s:.2f} s, {est.iterations} Jacobi passes "
          f"(target < {target_s:.0f} s: {'ok' if s < target_s else 'MISSED'})")
    if curve:
        est = ATEEstimator(m, data, pre)
        _, s = timed(lambda: est.roi_curve(truth.channels[0], torch.linspace(0, 2, 21).tolist()))
        print(f"  21-point ROI curve of {truth.channels[0]!r} (factual + 21 worlds): {s:.2f} s, {est.iterations} passes "
              f"(target < 2 s: {'ok' if s < 2 else 'MISSED'})")

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train-epochs", type=int, default=0)
    p.add_argument("--no-demo", action="store_true")
    a = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    bench("wide_20_channels", 2.0, a.train_epochs, curve=True)
    bench("geo_panel", 10.0, a.train_epochs)
    if not a.no_demo:
        from causal_mmm_nb.cli import main as cli_main
        print("\n`causal-mmm demo` (defaults):")
        t0 = time.perf_counter(); cli_main(["demo", "--out", "/tmp/causal_mmm_bench_demo"]); print(f"demo: {time.perf_counter() - t0:.1f} s")

if __name__ == "__main__": main()
