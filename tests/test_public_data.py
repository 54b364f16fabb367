"""The public datasets in data/ (chapters 15 and 16) load with the columns and row counts data/README.md states."""
from pathlib import Path
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data"


def test_pymc_marketing_example_loads():
    df = pd.read_csv(DATA / "pymc_marketing_mmm_example.csv", parse_dates=["date_week"])
    assert list(df.columns) == ["date_week", "y", "x1", "x2", "event_1", "event_2", "dayofyear", "t"]
    assert len(df) == 179
    assert (df.date_week.min(), df.date_week.max()) == (pd.Timestamp("2018-04-02"), pd.Timestamp("2021-08-30"))
    assert df.date_week.diff().dropna().eq(pd.Timedelta(weeks=1)).all()
    assert df.notna().all().all() and (df[["x1", "x2"]] >= 0).all().all()


def test_robyn_simulated_weekly_loads():
    df = pd.read_csv(DATA / "robyn_dt_simulated_weekly.csv", parse_dates=["DATE"])
    expected = {"DATE", "revenue", "tv_S", "ooh_S", "print_S", "facebook_S", "search_S", "facebook_I",
                "search_clicks_P", "competitor_sales_B", "events", "newsletter"}
    assert set(df.columns) == expected
    assert len(df) == 208
    assert (df.DATE.min(), df.DATE.max()) == (pd.Timestamp("2015-11-23"), pd.Timestamp("2019-11-11"))
    assert df.DATE.diff().dropna().eq(pd.Timedelta(weeks=1)).all()
    assert set(df.events.unique()) <= {"na", "event1", "event2"}
    spend = [c for c in df.columns if c.endswith("_S")]
    assert (df[spend] >= 0).all().all()
