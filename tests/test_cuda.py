"device='cuda' end to end (issue #19): fit, ATE, save and load onto the CPU. The GPU test is skipped on machines without one."
import json, warnings
import numpy as np, pytest, torch
from causal_mmm_nb.data import simulate_mmm
from causal_mmm_nb.streams import MMMConfig
from causal_mmm_nb.core import CausalMMM, MMMModelError
import causal_mmm_nb.ate  # noqa: F401

def _fit(device):
    df, truth = simulate_mmm("geo_panel", seed=0, n_geos=3, n_weeks=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return df, CausalMMM(MMMConfig.decomposed(panel=True, epochs=10, patience=10, device=device)).fit(df, **truth.column_roles(), progress=False)

def test_a_gpu_fitted_model_is_refused_without_a_gpu_and_loads_with_device_cpu(tmp_path):
    df, mmm = _fit("cpu")
    mmm.save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    meta["cfg"]["device"] = "cuda"                                    # as a GPU fit writes it
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    if not torch.cuda.is_available():
        with pytest.raises(MMMModelError, match="device='cpu'"): CausalMMM.load(tmp_path)
    back = CausalMMM.load(tmp_path, device="cpu")
    assert back.cfg.device == "cpu"
    np.testing.assert_array_equal(back.predict(df).to_numpy(), mmm.predict(df).to_numpy())
    with pytest.raises(ValueError, match="not a torch device"): CausalMMM.load(tmp_path, device="gpu0")

@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_fit_attribution_and_load_onto_cpu(tmp_path):
    df, gpu = _fit("cuda")
    assert next(gpu.ema_model.parameters()).is_cuda
    z = gpu.ate_estimator().zero_spend()
    assert np.isfinite(z.ate).all() and (z.ate >= 0).all()
    gpu.save(tmp_path)
    cpu = CausalMMM.load(tmp_path, device="cpu")
    assert not next(cpu.ema_model.parameters()).is_cuda
    np.testing.assert_allclose(cpu.ate_estimator().zero_spend().ate, z.ate, rtol=1e-4)
    np.testing.assert_allclose(cpu.predict(df).to_numpy(), gpu.predict(df).to_numpy(), rtol=1e-4)
