"The model review (chapter 08b) through the API and the command line."
import numpy as np, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM
from causal_mmm_nb.uncertainty import MMMEnsemble
from causal_mmm_nb.review import review, STATUSES
from causal_mmm_nb.cli import main
import causal_mmm_nb.decomposed  # noqa: F401

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def fitted():
    df, truth = simulate_mmm("national_clean", seed=0, n_weeks=80)
    return CausalMMM(MMMConfig.decomposed(epochs=60)).fit(df, **truth.column_roles(), progress=False), df, truth


def test_review_table_has_every_check(fitted):
    mmm, _, truth = fitted
    t = mmm.review()
    assert list(t.columns) == ["check", "channel", "status", "value", "reason"] and set(t.status) <= set(STATUSES)
    assert {"holdout fit", "residual autocorrelation", "placebo channel", "extrapolation to zero spend", "implausible ROI",
            "negative baseline", "stability over time", "confounding hint"} <= set(t.check)
    order = t.status.map({"fail": 0, "review": 1, "pass": 2}).to_numpy()
    assert (np.diff(order) >= 0).all()                                            # worst first
    per_channel = t[t.check == "extrapolation to zero spend"]
    assert per_channel.channel.tolist() == truth.channels and per_channel.value.between(0, 1).all()


def test_fast_review_skips_the_refits(fitted):
    t = fitted[0].review(placebo=False, stability=False)
    assert "placebo channel" not in set(t.check) and "stability over time" not in set(t.check)


def test_ensemble_review(fitted):
    _, df, truth = fitted
    ens = MMMEnsemble(MMMConfig.decomposed(epochs=30), n_members=2).fit(df, **truth.column_roles())
    assert "holdout fit" in set(ens.review(placebo=False, stability=False).check)


def test_cli_review_strict_exit_code(fitted, tmp_path, capsys):
    mmm, df, truth = fitted
    mmm.save(tmp_path / "model")
    assert main(["review", str(tmp_path / "model"), "--fast"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("model review") and "holdout fit" in out
    broken = CausalMMM(MMMConfig.decomposed(epochs=30)).fit(df.assign(sales=np.where(df.week >= df.week.iloc[-13], 2 * df.sales, df.sales)),
                                                          **truth.column_roles(), progress=False)
    broken.save(tmp_path / "broken")
    assert main(["review", str(tmp_path / "broken"), "--fast", "--strict"]) == 1
    assert "fail    holdout fit" in capsys.readouterr().out
