"Fan-out (issue #19): refits, members and markets in parallel processes or on a Dask cluster give the sequential numbers, bit for bit."
import warnings
import joblib, pandas as pd, pytest, torch
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM
from causal_mmm_nb.uncertainty import MMMEnsemble, fan_out, on_one_thread
from causal_mmm_nb.scale import fit_markets, markets_zero_spend

CFG = MMMConfig.decomposed(epochs=30, patience=30)

@pytest.fixture(scope="module")
def fitted():
    df, truth = simulate_mmm("national_confounded", seed=0, n_weeks=80)
    roles = truth.column_roles()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return df, roles, CausalMMM(CFG).fit(df, **roles, progress=False)

def test_one_thread_inside_and_restored_after():
    before = torch.get_num_threads()
    assert on_one_thread(torch.get_num_threads) == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ZeroDivisionError): on_one_thread(lambda: 1 / 0)
    assert torch.get_num_threads() == before

def test_bootstrap_refits_in_processes_are_bit_for_bit(fitted):
    _, _, mmm = fitted
    seq = MMMEnsemble(n_members=3, n_jobs=1).bootstrap(mmm).zero_spend()
    par = MMMEnsemble(n_members=3, n_jobs=2).bootstrap(mmm).zero_spend()
    pd.testing.assert_frame_equal(seq, par, check_exact=True)
    assert (seq.ate_hi > seq.ate_lo).all()                        # the refits differ from each other: a real interval

def test_resample_members_in_processes_are_bit_for_bit(fitted):
    df, roles, _ = fitted
    run = lambda n_jobs: MMMEnsemble(CFG, n_members=2, method="resample", n_jobs=n_jobs).fit(df, **roles)
    seq, par = run(1), run(2)
    for a, b in zip(seq.members, par.members):
        for (k, x), y in zip(a.ema_model.state_dict().items(), b.ema_model.state_dict().values()): assert torch.equal(x, y), k
    pd.testing.assert_frame_equal(seq.zero_spend(), par.zero_spend(), check_exact=True)

def test_markets_fit_in_parallel_like_one_by_one():
    frames = {name: simulate_mmm("national_clean", seed=s, n_weeks=80)[0] for name, s in (("brand_a", 0), ("brand_b", 1))}
    roles = simulate_mmm("national_clean", seed=0, n_weeks=80)[1].column_roles()
    seq, par = fit_markets(frames, CFG, n_jobs=1, **roles), fit_markets(frames, CFG, n_jobs=2, **roles)
    assert list(seq) == ["brand_a", "brand_b"]
    z = markets_zero_spend(seq)
    pd.testing.assert_frame_equal(z, markets_zero_spend(par), check_exact=True)
    assert set(z.market) == {"brand_a", "brand_b"} and len(z) == 2 * len(roles["channel_cols"])
    alone = on_one_thread(lambda: CausalMMM(CFG).fit(frames["brand_b"], **roles, progress=False))   # the fit on its own, one thread
    pd.testing.assert_frame_equal(alone.ate_estimator().zero_spend(), par["brand_b"].ate_estimator().zero_spend(), check_exact=True)

def test_bad_markets_are_named():
    with pytest.raises(ValueError, match="non-empty dict"): fit_markets([], CFG)
    with pytest.raises(TypeError, match="'b'.*DataFrame"): fit_markets({"a": pd.DataFrame({"x": [1]}), "b": [1, 2]}, CFG)

def test_fan_out_on_a_local_dask_cluster_is_bit_for_bit(fitted):
    "A real 2-worker Dask cluster (separate processes) behind joblib's 'dask' backend."
    distributed = pytest.importorskip("distributed")
    _, _, mmm = fitted
    seq = MMMEnsemble(n_members=2, n_jobs=1).bootstrap(mmm).zero_spend()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            on_cluster = MMMEnsemble(n_members=2, n_jobs=-1).bootstrap(mmm).zero_spend()
        pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(pids) == 2 and __import__("os").getpid() not in pids
    pd.testing.assert_frame_equal(seq, on_cluster, check_exact=True)
