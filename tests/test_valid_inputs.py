"""Data that is unusual but valid must fit and give finite answers, through every path: both heads, priors, predict,
the ATE questions, plots, save/load, the ensemble and the command line."""
from pathlib import Path
import warnings
import numpy as np, pandas as pd, pytest, torch
import matplotlib; matplotlib.use("Agg")
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM
from causal_mmm_nb.uncertainty import MMMEnsemble
from causal_mmm_nb.cli import main, save_plots
import causal_mmm_nb.decomposed, causal_mmm_nb.ate  # noqa: F401,E401

torch.set_num_threads(1)
DF, TRUTH = simulate_mmm("national_clean", seed=0, n_weeks=60)
R = TRUTH.column_roles()
PANEL, PT = simulate_mmm("geo_panel", seed=0, n_weeks=40, n_geos=3)
RP = PT.column_roles()

VARIANTS = {
    "no_controls": (DF, {**R, "control_cols": []}),
    "controls_left_out": (DF, {k: v for k, v in R.items() if k != "control_cols"}),
    "one_channel": (DF, {**R, "channel_cols": ["tv"]}),
    "one_channel_as_string": (DF, {**R, "channel_cols": "tv"}),
    "unsorted_rows": (DF.sample(frac=1.0, random_state=0), R),
    "integer_geo_ids": (PANEL.assign(geo=PANEL.geo.str[-2:].astype(int)), RP),
    "nullable_dtypes": (DF.assign(tv=DF.tv.round().astype("Int64"), promo=DF.promo.astype("Int64"),
                                  price=DF.price.astype("Float64"), sales=DF.sales.astype("Float64")), R),
    "tz_aware_dates": (DF.assign(week=DF.week.dt.tz_localize("America/New_York")), R),
    "panel_with_static": (PANEL, RP),
    "one_geo_panel": (DF.assign(geo="only"), {**R, "geo_col": "geo"}),
    "static_on_national": (DF.assign(population=5e5), {**R, "static_cols": ["population"]}),
    "categorical_control": (DF.assign(events=np.where(DF.index % 9 == 2, "holiday", "na")), {**R, "categorical_cols": ["events"]}),
}
HEADS = {"decomposed": lambda: MMMConfig.decomposed(epochs=4, patience=4), "plain": lambda: MMMConfig.small(epochs=3, patience=3)}


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_valid_data_fits_and_answers(variant, head, tmp_path):
    df, roles = VARIANTS[variant]
    first = roles["channel_cols"] if isinstance(roles["channel_cols"], str) else roles["channel_cols"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)                              # 'barely trained' after 3 epochs
        warnings.simplefilter("error", FutureWarning); warnings.simplefilter("error", DeprecationWarning)
        m = CausalMMM(HEADS[head]()).fit(df, **roles, signs={first: 1}, roi_priors={first: (1.0, 1.0)}, progress=False)
        pred = m.predict(df)
        assert pred.index.equals(df.index) and np.isfinite(pred.to_numpy(float)).all()
        est = m.ate_estimator()
        z = est.zero_spend()
        assert np.isfinite(z[["ate", "share", "roi"]].to_numpy(float)).all()
        assert np.isfinite(est.marginal_roi().marginal_roi).all()
        assert len(save_plots(m, est, tmp_path / "plots")) == 6
        m.save(tmp_path / "model")
        back = CausalMMM.load(tmp_path / "model")
        np.testing.assert_array_equal(back.predict(df).to_numpy(), pred.to_numpy())


def test_tail_prediction_equals_full_prediction():
    "Trend, season and carry-over are anchored to the fitted calendar, not to the first row passed."
    m = CausalMMM(MMMConfig.decomposed(epochs=30)).fit(DF, **R, progress=False)
    np.testing.assert_allclose(m.predict(DF.tail(30)).to_numpy(), m.predict(DF).tail(30).to_numpy(), rtol=1e-6)


def test_forecast_without_target():
    past, future = DF.iloc[:48], DF.iloc[48:].drop(columns="sales")
    m = CausalMMM(MMMConfig.decomposed(epochs=30)).fit(past, **R, progress=False)
    f = m.predict(future)
    assert len(f) == 12 and np.isfinite(f).all()
    assert abs(f - DF.sales.iloc[48:]).mean() / DF.sales.iloc[48:].mean() < 0.2        # a forecast, not noise


def test_ensemble_without_controls():
    ens = MMMEnsemble(MMMConfig.decomposed(epochs=4), n_members=2).fit(DF, **{**R, "control_cols": []})
    z = ens.zero_spend()
    assert np.isfinite(z[["ate", "ate_lo", "ate_hi"]].to_numpy(float)).all() and (z.ate_lo <= z.ate_hi).all()


def test_cli_fit_without_controls(tmp_path, capsys):
    DF.to_csv(tmp_path / "sim.csv", index=False)
    argv = ["fit", str(tmp_path / "sim.csv"), "--date", "week", "--target", "sales", "--channels", "tv,search",
            "--out", str(tmp_path / "run"), "--epochs", "3", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "holdout fit" in out and "tv" in out
    att = pd.read_csv(tmp_path / "run" / "attribution.csv")
    assert att.channel.tolist() == ["tv", "search"] and np.isfinite(att.ate).all()


def test_progress_in_a_log_is_a_few_lines(tmp_path):
    "A fit whose stderr is a file writes plain lines, not hundreds of carriage-return updates."
    import subprocess, sys
    code = ("import torch; torch.set_num_threads(1)\n"
            "from causal_mmm_nb.data import simulate_mmm\nfrom causal_mmm_nb.all import CausalMMM, MMMConfig\n"
            "df, t = simulate_mmm('national_clean', seed=0, n_weeks=60)\n"
            "CausalMMM(MMMConfig.decomposed(epochs=50)).fit(df, **t.column_roles())\n")
    log = tmp_path / "log.txt"
    with open(log, "w") as f: subprocess.run([sys.executable, "-c", code], stderr=f, check=True, timeout=300)
    text = log.read_text()
    assert "\r" not in text and 5 <= text.count("training: ") <= 12, text
