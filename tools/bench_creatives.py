"""Creative embeddings (chapter 14): does a model given the embeddings recover per-creative effects better than without?

usage: python tools/bench_creatives.py [--seeds 0,1,2] [--heads decomposed,plain] [--variants none,embeddings,...]
                                       [--n-models 3] [--n-creatives 4] [--out build/creatives.csv] [--threads 1]

For each data seed: simulate_creative_mmm(seed) (3 media x 4 creatives rotated in flights, effects scaled by a
quality multiplier, 16-d CLIP-like embeddings), then the oracle and classical baselines and, per head and
embedding variant (none, embeddings, shuffled within medium, shuffled, true quality), an ensemble of --n-models
CausalMMM fits (model seeds 0..n-1; MMMConfig.small() for the plain head, MMMConfig.decomposed() for the
decomposed head). Prints ATE error, ROI and quality rank correlations per seed and their means; writes every row
to --out. The notebook's slow cells run the same function, compare_creative_models, with --n-models 3 for the
decomposed head (seeds 0-5) and 1 for the plain head (seeds 0-2; variants none, embeddings, shuffled within medium).
"""
import argparse, time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated data seeds (default 0,1,2)")
    ap.add_argument("--heads", default="decomposed", help="comma-separated heads: decomposed, plain (default decomposed)")
    ap.add_argument("--variants", default=None, help="comma-separated embedding variants (default all five)")
    ap.add_argument("--n-models", type=int, default=3, help="model seeds per ensemble (default 3)")
    ap.add_argument("--n-creatives", type=int, default=4, help="creatives per medium (default 4)")
    ap.add_argument("--out", default="build/creatives.csv", help="CSV of all rows (default build/creatives.csv)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    import pandas as pd
    from causal_mmm_nb.creatives import compare_creative_models, summarize_creatives
    t0 = time.perf_counter()
    res = compare_creative_models(seeds=[int(s) for s in a.seeds.split(",")], heads=a.heads.split(","),
                                  variants=None if a.variants is None else a.variants.split(","), n_models=a.n_models,
                                  progress=True, n_creatives=a.n_creatives)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); res.to_csv(a.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for value in ("ate_error", "roi_spearman", "quality_spearman"):
            print(f"\n{value} per data seed and mean:\n{summarize_creatives(res, value).round(3)}")
    print(f"\n{len(res)} rows in {time.perf_counter() - t0:.0f} s; written to {a.out}")


if __name__ == "__main__": main()
