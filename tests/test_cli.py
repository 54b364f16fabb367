"""The causal-mmm command end to end: simulate -> CSV -> fit -> attribute -> shift, and clean failures."""
import subprocess, sys
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.cli import main

torch.set_num_threads(2)

def run_cli(*argv):
    "Run `causal-mmm argv` in a fresh interpreter: (returncode, stdout, stderr)."
    code = "import sys; from causal_mmm_nb.cli import main; sys.exit(main(sys.argv[1:]))"
    p = subprocess.run([sys.executable, "-c", code, *map(str, argv)], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr

@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    df, truth = simulate_mmm("national_clean", seed=0)
    df.to_csv(tmp / "sim.csv", index=False)
    return tmp, truth

def roles(truth):
    return ["--date", "week", "--target", "sales", "--channels", ",".join(truth.channels), "--controls", "price,promo,demand_index"]

def test_round_trip(sim_csv, capsys):
    tmp, truth = sim_csv
    out = tmp / "fit"
    assert main(["fit", str(tmp / "sim.csv"), *roles(truth), "--out", str(out), "--epochs", "2", "--quiet"]) == 0
    for f in ["attribution.csv", "roi_curves.csv", "marginal_roi.csv", "model/meta.json", "model/model.pt", "plots/fit.png", "plots/roi_curves.png"]:
        assert (out / f).exists(), f
    att = pd.read_csv(out / "attribution.csv")
    assert att.channel.tolist() == truth.channels and att.share.sum() == pytest.approx(1.0)
    curves = pd.read_csv(out / "roi_curves.csv")
    assert set(curves.channel) == set(truth.channels) and {"multiplier", "spend", "outcome", "incremental", "roi"} <= set(curves.columns)
    capsys.readouterr()
    assert main(["attribute", str(out), "--window", "2022-01-01:2022-12-31", "--csv", str(tmp / "win.csv")]) == 0
    assert "zero-spend attribution" in capsys.readouterr().out
    assert pd.read_csv(tmp / "win.csv").channel.tolist() == truth.channels
    assert main(["shift", str(out), "tv", "search", "0"]) == 0
    assert "change in outcome +0" in capsys.readouterr().out            # fraction 0: exactly no change
    assert main(["shift", str(out / "model"), "tv", "search", "0.25"]) == 0
    assert "moving 25% of 'tv'" in capsys.readouterr().out

@pytest.mark.parametrize("content,expect", [('week,tv,sales\n2021-01-04,"1,2\n', "not a readable CSV"),
                                            ("", "not a readable CSV"),
                                            ("week,tv,sales\nnot-a-date,1,2\n", "line 2 of")])
def test_malformed_csv_fails_cleanly(sim_csv, content, expect):
    tmp, truth = sim_csv
    bad = tmp / "bad.csv"; bad.write_text(content)
    code, out, err = run_cli("fit", bad, *roles(truth), "--out", tmp / "o", "--quiet")
    assert code != 0 and "Traceback" not in err and err.count("\n") == 1 and expect in err, err

def test_bad_input_fails_cleanly(sim_csv, capsys):
    tmp, truth = sim_csv
    base = ["--date", "week", "--target", "sales", "--out", str(tmp / "o"), "--quiet"]
    cases = [(["fit", str(tmp / "missing.csv"), "--channels", "tv", *base], "no such file"),
             (["fit", str(tmp / "sim.csv"), "--channels", "tv,tiktok", *base], "'tiktok'"),
             (["attribute", str(tmp / "nowhere")], "no such folder")]
    for argv, expect in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expect in err and "Traceback" not in err, err
    df = pd.read_csv(tmp / "sim.csv"); df.loc[3, "tv"] = -5.0; df.to_csv(tmp / "neg.csv", index=False)
    assert main(["fit", str(tmp / "neg.csv"), "--channels", "tv,search", *base]) == 2       # MMMDataError: negative spend
    err = capsys.readouterr().err
    assert "tv" in err and err.count("\n") == 1


def test_bench_rejects_unknown_names(capsys):
    assert main(["bench", "--scenarios", "national", "--out", "unused"]) == 2
    assert "unknown scenarios ['national']" in capsys.readouterr().err
    assert main(["bench", "--methods", "oracle,bayes", "--out", "unused"]) == 2
    assert "unknown or unavailable methods ['bayes']" in capsys.readouterr().err


def test_bench_quick_is_complete_and_finite(tmp_path):
    "The CI-sized benchmark: 3 scenarios x 1 seed x every method, short training, ensembles of 2."
    assert main(["bench", "--quick", "--jobs", "2", "--quiet", "--out", str(tmp_path)]) == 0
    res = pd.read_csv(tmp_path / "benchmark_results.csv")
    from causal_mmm_nb.benchmark import COLUMNS, QUICK_SCENARIOS, BASELINE_METHODS, CAUSAL_METHODS
    assert list(res.columns) == COLUMNS
    assert len(res) == len(QUICK_SCENARIOS) * (len(BASELINE_METHODS) + len(CAUSAL_METHODS))
    assert set(res.method) == set(BASELINE_METHODS) | set(CAUSAL_METHODS)
    scores = ["ate_error", "ratio_to_oracle", "share_error", "roi_spearman", "holdout_r2", "fit_seconds"]
    assert np.isfinite(res[scores].to_numpy(float)).all()
    ens = res[res.method == "causal_mmm_ensemble"]
    assert ens.ate_coverage.between(0, 1).all() and (ens.interval_width >= 0).all()
    text = (tmp_path / "summary.md").read_text()
    assert "## targets for causal_mmm" in text and (tmp_path / "benchmark.png").stat().st_size > 10_000

def test_config_follows_the_data_shape():
    from causal_mmm_nb.cli import make_config
    from causal_mmm_nb.streams import MMMConfig
    assert make_config("auto", has_geo=True) == MMMConfig.decomposed(panel=True)
    assert make_config("auto", has_geo=False, epochs=9, seed=3) == MMMConfig.decomposed(epochs=9, seed=3)
    assert make_config("auto", has_geo=True, head="plain") == MMMConfig()
    assert make_config("auto", has_geo=False, head="plain") == MMMConfig.small()
