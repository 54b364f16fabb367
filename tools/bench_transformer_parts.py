"""Probe for issue #15 (the causal transformer inside the identifiable model): two candidate parts on the solved head.

usage: python tools/bench_transformer_parts.py [--variants a,b] [--scenarios a,b] [--seeds 0,1,2]

NOT library code: the parts are prototyped here by subclassing the library's decomposed head, so that each can be
measured before it is built into a chapter. Variants (on MMMConfig.decomposed(), single fits, model seed 0):
  additive        the library's preset (no transformer part)
  xstream         baseline network replaced by a causal self-attention block (relative positions, chapter 02) over
                  controls, static and the season terms
  xstream_controls  causal self-attention over the controls and static only (no time features) in place of the
                  baseline network, under the preset's baseline ridge
  control_ewm     the preset plus, per control, one linear baseline column: the exponentially weighted average of
                  its past weeks (decay 0.5, lags 1-13), under a ridge of about 0.1 per row
  lagfilter       baseline network plus content-free causal attention over past controls (a learned lag filter)
  varying         time-varying effectiveness m_kt = exp(tanh(g_k(Phi_t)) - centre) multiplying each channel's term
  varying_season  the same, with the season terms also fed to the baseline network (so Phi_t carries the season)
Prints per fit the ATE error, media bias and weekly contribution error, then per variant over all fits (mean and
median ATE error, media bias range), then medians per variant and scenario.
"""

import math, sys, time, json, warnings
import numpy as np, pandas as pd, torch, torch.nn as nn, torch.nn.functional as F
warnings.filterwarnings("ignore"); torch.set_num_threads(1)
from causal_mmm_nb.all import *
import causal_mmm_nb.decomposed as D
from causal_mmm_nb.attention import MultiHeadAttention, RelativePositionBias, causal_mask
from causal_mmm_nb.streams import feed_forward
from causal_mmm_nb.benchmark import scenario_data, fit_roles, ate_error, media_bias, weekly_contribution_error, CausalMMMAdapter, BASELINE_METHODS

class LagFilter(nn.Module):
    "Content-free causal attention: per head, softmax over lags of a learned relative-position score; values linear in the inputs."
    def __init__(self, n_in, d, heads, lmax):
        super().__init__()
        self.rel = RelativePositionBias(heads, lmax); self.v = nn.Linear(n_in, d); self.heads = heads
    def forward(self, x):
        B, T, _ = x.shape
        bias = self.rel(T).masked_fill(~causal_mask(T, x.device), float("-inf")).softmax(-1)      # (H, T, T)
        v = self.v(x).view(B, T, self.heads, -1).transpose(1, 2)                                  # (B, H, T, dh)
        return (bias.unsqueeze(0) @ v).transpose(1, 2).reshape(B, T, -1)

class XStream(nn.Module):
    def __init__(self, n_in, d, heads, d_ff, lmax, layers=1):
        super().__init__()
        self.inp = nn.Linear(n_in, d); self.rel = RelativePositionBias(heads, lmax)
        self.att = nn.ModuleList([MultiHeadAttention(d, heads) for _ in range(layers)])
        self.n1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)]); self.n2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.ff = nn.ModuleList([feed_forward(d, d_ff, 0.0) for _ in range(layers)]); self.out = nn.LayerNorm(d)
    def forward(self, x):
        T = x.shape[1]; h = self.inp(x); bias, mask = self.rel(T), causal_mask(T, x.device)
        for a, n1, n2, ff in zip(self.att, self.n1, self.n2, self.ff):
            z = n1(h); h = h + a(z, z, bias, mask); h = h + ff(n2(h))
        return self.out(h)

OPT = dict(attention=False, varying=False, bound=1.0, rank=4, hidden_ridge=None, notime=False, ewm=False)   # None: cfg.baseline_ridge
_solve = D.DecomposedCausalTransformer.solve_linear
def _solve2(self, data, weeks, atom_ridge="auto", roi=None, creative=None, lin_ridge=1e-4, hidden_ridge=None, lift=None):
    return _solve(self, data, weeks, atom_ridge, roi, creative, lin_ridge, OPT["hidden_ridge"], lift)
D.DecomposedCausalTransformer.solve_linear = _solve2
class Proto(D.DecomposedCausalTransformer):
    def __init__(self, cfg, K, C, S=0, creative_dim=None, **kw):
        super().__init__(cfg, K, C, S, creative_dim, **kw)
        d = cfg.d_model
        if OPT["attention"] == "lag": self.x_stream = LagFilter(C + S, d, cfg.n_heads, 52)
        elif OPT["attention"] and OPT["notime"]: self.x_stream = XStream(max(C + S, 1), d, cfg.n_heads, cfg.d_ff, cfg.lmax)
        elif OPT["attention"]: self.x_stream = XStream(C + S + 2 * self.n_season + 1, d, cfg.n_heads, cfg.d_ff, cfg.lmax)
        if OPT["ewm"]: self.base_lin = nn.Linear(self.base_lin.in_features + C, 1)
        if OPT.get("time_in_net"):
            self.base_mlp = nn.Sequential(nn.Linear(max(C + S, 1) + 2 * self.n_season + 1, d), nn.GELU())
        if OPT["attention"] == "lag":
            self.base_out, self.phi = nn.Linear(2 * d, 1), nn.Linear(2 * d, cfg.d_phi)
        if OPT["varying"]:
            self.eff_u, self.eff_v = nn.Linear(cfg.d_phi, OPT["rank"]), nn.Linear(d, OPT["rank"])
            with torch.no_grad(): self.eff_u.weight.mul_(0.1)
            self.register_buffer("eff_center", torch.zeros(K))
    def baseline_inputs(self, controls, static=None):
        B, T, _ = controls.shape
        z = [static[:, None].expand(B, T, -1)] if static is not None else []
        own = torch.cat([controls] + z, -1)
        if own.shape[-1] == 0: own = controls.new_zeros(B, T, 1)
        tf = D.time_features(T, controls.device, self.n_season).expand(B, T, -1)
        h = self.base_mlp(torch.cat([own, tf], -1) if OPT.get("time_in_net") else own)
        if OPT["attention"] == "lag": h = torch.cat([h, self.x_stream(own)], -1)
        elif OPT["attention"]: h = self.x_stream(own if OPT["notime"] else torch.cat([controls] + z + [tf], -1))
        lin = torch.cat([controls, tf], -1)                  # static columns enter per geo (the solve, the forward)
        if OPT["ewm"] and controls.shape[-1]:                # scaled by 0.03: the solve's 1e-4 ridge on linear columns acts as ~0.1 on it
            kern = 0.5 ** torch.arange(13.); kern = kern / kern.sum()
            lin = torch.cat([lin, 0.03 * torch.einsum("btcl,l->btc", D.lagged(controls, 14)[..., 1:], kern)], -1)
        return lin, h
    def scale(self, phi, creative=None):
        if not OPT["varying"]: return None
        g = self.eff_u(phi) @ self.eff_v(self.response.hidden(self.n_channels, creative, phi.device)).T / math.sqrt(OPT["rank"])
        return torch.exp(OPT["bound"] * (torch.tanh(g) - self.eff_center))
    def forward(self, spend, controls, target, static=None, creative=None):
        b, phi = self.baseline(controls, static if self.n_static else None)
        f = self.response(spend, creative, self.weights())
        m = self.scale(phi, creative)
        if m is not None: f = f * m
        return ModelOutput(b + (f * self.signs).sum(-1), self.spend_head(phi, spend.shape[-1]), phi)
    def linear_design(self, data, creative=None):
        lin, h, atoms, off = D.DecomposedCausalTransformer.linear_design(self, data, creative)
        if OPT["varying"]:
            phi = F.elu(self.phi(h))
            with torch.no_grad():
                g = self.eff_u(phi) @ self.eff_v(self.response.hidden(self.n_channels, creative, phi.device)).T / math.sqrt(OPT["rank"])
                self.eff_center.copy_(torch.tanh(g).mean((0, 1)))
            atoms = atoms * self.scale(phi, creative).unsqueeze(-1)
        return lin, h, atoms, off
    def channel_effects(self, spend, creative=None):
        d = self._data
        b, phi = self.baseline(d.controls, d.static if self.n_static else None)
        f = self.response(spend, creative, self.weights()); m = self.scale(phi, creative)
        return (f * m if m is not None else f) * self.signs

from causal_mmm_nb.core import CausalMMM
import causal_mmm_nb.core as core
def build(self):
    torch.manual_seed(self.cfg.seed); d = self._dims()
    m = Proto(self.cfg, d["n_channels"], d["n_controls"], d["n_static"], d["creative_dim"])
    m.set_signs(self.priors.signs); m._data = self.data
    return m
CausalMMM._build_model = build
core.DecomposedCausalTransformer = Proto


VARIANTS = {
    "additive": {}, "xstream": dict(attention=True), "xstream_controls": dict(attention=True, notime=True), "control_ewm": dict(ewm=True),
    "lagfilter": dict(attention="lag"), "varying": dict(varying=True), "varying_season": dict(varying=True, time_in_net=True),
}

def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--scenarios", default="seasonal_effectiveness,lagged_baseline,national_confounded")
    ap.add_argument("--seeds", default="0,1,2")
    a = ap.parse_args()
    rows = []
    for v in a.variants.split(","):
        OPT.clear(); OPT.update(dict(attention=False, varying=False, bound=1.0, rank=4, hidden_ridge=None, notime=False, ewm=False), **VARIANTS[v])
        for scen in a.scenarios.split(","):
            for seed in map(int, a.seeds.split(",")):
                df, truth = scenario_data(scen, seed)
                m = CausalMMM(MMMConfig.decomposed(panel=truth.geo_col is not None)).fit(df, **fit_roles(truth), progress=False)
                ad = CausalMMMAdapter(m); z = ad.zero_spend()
                rows.append(dict(variant=v, scenario=scen, seed=seed, ate_error=ate_error(z, truth), media_bias=media_bias(z, truth),
                                 weekly_error=weekly_contribution_error(ad.contributions(), truth)))
                print(" ".join(f"{k} {x:.3f}" if isinstance(x, float) else f"{k} {x}" for k, x in rows[-1].items()), flush=True)
    r = pd.DataFrame(rows)
    print("\nover all fits\n" + r.groupby("variant", sort=False).agg(
        ate_mean=("ate_error", "mean"), ate_median=("ate_error", "median"), bias_min=("media_bias", "min"),
        bias_median=("media_bias", "median"), bias_max=("media_bias", "max")).to_string(float_format=lambda x: f"{x:.3f}"))
    for value in ("ate_error", "media_bias", "weekly_error"):
        print(f"\nmedian {value}\n" + r.pivot_table(index="variant", columns="scenario", values=value, aggfunc="median")
              .reindex(list(dict.fromkeys(r.variant))).to_string(float_format=lambda x: f"{x:.3f}"))

if __name__ == "__main__": main()
