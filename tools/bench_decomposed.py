"""Measurements behind the decomposed head's preset (chapter 06a): single fits, ATE error against the simulator's truth.

usage: python tools/bench_decomposed.py [--group sweep|regularisation|panel|synergy|atoms] [--scenarios a,b] [--seeds 0,1,2] [--variants v1,v2]

Each variant is MMMConfig.decomposed() with the overrides below; one fit per scenario and data seed (model seed 0),
the zero-spend ATE rolled out by ATEEstimator, scored by ATE error sum|ATE_hat - ATE| / sum|ATE|. Prints one line per
fit and the median and mean per variant. Groups:
  sweep           training budget, without balancing (alpha=0, as quoted in chapter 06a)         national scenarios
  regularisation  the preset against dropout, weight decay and a longer budget                     national scenarios
  panel           per-geo intercepts, full-batch steps and the panel budget                        geo_panel
  synergy         the optional pairwise synergy terms, on and off        synergy, sparse_synergy, 2 others
  atoms           concave atoms only (S-shaped atoms' weights zeroed; a probe, not a library option)  6 scenarios
(--sweep is accepted for the command quoted in chapter 06a and means --group sweep.) The ensemble and the comparison
with the baselines are in `causal-mmm bench`.
"""
import argparse, contextlib, time
import numpy as np
import torch

NATIONAL = "national_clean,national_confounded,delayed_adstock"
GROUPS = {
    # alpha=0: the sweep was run (and is quoted in chapter 06a) before the preset turned balancing on
    "sweep": (NATIONAL, {name: dict(alpha=0.0, **kw) for name, kw in {
        "up_to_1000_patience_100": dict(epochs=1000, patience=100),
        "300_epochs": dict(epochs=300, patience=300),
        "200_epochs": dict(epochs=200, patience=200),
        "weight_decay_1e-2": dict(epochs=1000, patience=100, weight_decay=1e-2),
        "lr_3e-3_2000_epochs": dict(lr=3e-3, epochs=2000, patience=300),
        "lr_2e-2_300_epochs": dict(lr=2e-2, epochs=300, patience=300),
    }.items()}),
    "regularisation": (NATIONAL, {
        "preset": {},
        "dropout_0.1": dict(dropout=0.1),
        "dropout_0.3": dict(dropout=0.3),
        "weight_decay_1e-2": dict(weight_decay=1e-2),
        "600_epochs": dict(epochs=600, patience=600),
    }),
    "panel": ("geo_panel", {
        "national_preset_no_intercepts": dict(geo_intercepts=False, geo_batch_size=4),
        "intercepts_batches_of_4": {},
        "intercepts_full_batch_300": dict(geo_batch_size=0),
        "panel_preset": dict(panel=True),
        "panel_preset_no_intercepts": dict(panel=True, geo_intercepts=False),
    }),
    "synergy": ("synergy,sparse_synergy,sparse_flighting,national_clean", {
        "preset": {},
        "synergy": dict(synergy=True),
    }),
    "atoms": (NATIONAL + ",confounded_moderate,sparse_flighting,synergy", {
        "preset": {},
        "concave_only": dict(concave_atoms_only=True),
    }),
}

@contextlib.contextmanager
def concave_atoms_only(on: bool):
    "While active, every ChannelResponse gives its S-shaped atoms weight 0 (chapter 06a's atom-dictionary probe)."
    from causal_mmm_nb.decomposed import ChannelResponse
    orig = ChannelResponse.saturate
    def saturate(self, x, w, rates, kappas):
        return orig(self, x, torch.cat([w[:, :self.n_atoms], torch.zeros_like(w[:, self.n_atoms:])], -1), rates, kappas)
    if on: ChannelResponse.saturate = saturate
    try: yield
    finally: ChannelResponse.saturate = orig

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", default="sweep", choices=list(GROUPS))
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--scenarios", default=None)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--variants", default=None)
    a = ap.parse_args()
    scenarios, variants = GROUPS["sweep" if a.sweep else a.group]
    scenarios = (a.scenarios or scenarios).split(",")
    chosen = a.variants.split(",") if a.variants else list(variants)
    torch.set_num_threads(1)
    from causal_mmm_nb.streams import MMMConfig
    from causal_mmm_nb.core import CausalMMM
    import causal_mmm_nb.ate  # noqa: F401
    from causal_mmm_nb.benchmark import SCENARIOS, scenario_data, fit_roles, ate_error
    scenario_specs = {**SCENARIOS, "sparse_synergy": ("sparse_synergy", {})}   # the raw preset: flighting and a tv x search synergy
    summary = {}
    for v in chosen:
        errs = []
        for scen in scenarios:
            for seed in map(int, a.seeds.split(",")):
                df, truth = scenario_data(scen, seed, scenario_specs)
                t0 = time.perf_counter()
                kw = dict(variants[v]); concave = kw.pop("concave_atoms_only", False)
                with concave_atoms_only(concave):
                    m = CausalMMM(MMMConfig.decomposed(**kw)).fit(df, **fit_roles(truth), progress=False)
                    errs.append(ate_error(m.ate_estimator().zero_spend(), truth))
                print(f"{v:30s} {scen:20s} seed {seed} ATE error {errs[-1]:.3f}  best epoch {m.best_epoch:4d}  {time.perf_counter() - t0:5.1f} s", flush=True)
        summary[v] = (np.median(errs), np.mean(errs))
    print(f"\n{'variant':30s} median  mean")
    for v, (med, mean) in summary.items(): print(f"{v:30s} {med:.3f}   {mean:.3f}")

if __name__ == "__main__": main()
