"""Invariants of the Causal Transformer (chapters 01-03): causality of every layer and of the whole model,
the internal shift, shapes, K-independent parameter count, gradient flow, configuration errors."""
import pytest
import torch

from causal_mmm_nb.tokenizer import FourierChannelTokenizer, fourier_features
from causal_mmm_nb.attention import MultiHeadAttention, RelativePositionBias, additive_mask, causal_mask
from causal_mmm_nb.streams import (CausalTransformer, MMMConfig, ModelOutput, StreamLayer, ThreeStreamEncoder,
                                   count_parameters)

T = 14
TINY = dict(d_model=32, n_heads=4, n_layers=2, d_ff=64, d_phi=16)


def _as_tuple(o):
    return tuple(o) if isinstance(o, tuple) else (o,)


def assert_causal(f, inputs, T):
    "Every output of f at weeks <= t is bit-identical when every input is perturbed at weeks > t."
    gen = torch.Generator().manual_seed(123)
    with torch.no_grad():
        base = _as_tuple(f(*inputs))
        for t in range(T - 1):
            perturbed = [z.clone() for z in inputs]
            for z in perturbed:
                z[:, t + 1:] += torch.randn(z[:, t + 1:].shape, generator=gen)
            outs = _as_tuple(f(*perturbed))
            for i, (o, b) in enumerate(zip(outs, base)):
                assert torch.equal(o[:, : t + 1], b[:, : t + 1]), f"output {i} at weeks <= {t} changed"
                if t < T - 2:   # with >= 2 perturbed weeks every output must react (a_hat_t never sees week t)
                    assert not torch.equal(o, b), f"output {i} ignores inputs after week {t}"


@pytest.fixture
def streams():
    torch.manual_seed(0)
    return [torch.randn(2, T, 32) for _ in range(3)]


def test_attention_causal(streams):
    torch.manual_seed(0)
    mha, rpb = MultiHeadAttention(32, 4, dropout=0.1).eval(), RelativePositionBias(4, lmax=5)
    bias, mask = rpb(T), causal_mask(T)
    assert_causal(lambda q, kv: mha(q, kv, bias, mask), streams[:2], T)               # cross-attention
    assert_causal(lambda q: mha(q, q, additive_mask(bias, mask)), streams[:1], T)     # self, premasked
    with pytest.raises(AssertionError, match="changed"):
        assert_causal(lambda q: mha(q, q, bias, None), streams[:1], T)                 # no mask: leaks


@pytest.mark.parametrize("stream", [0, 1, 2])
def test_stream_layer_causal_every_stream(streams, stream):
    torch.manual_seed(0)
    layer = StreamLayer(32, 4, 64, dropout=0.1, n_static=3).eval()
    bias = additive_mask(RelativePositionBias(4, 13)(T), causal_mask(T))
    static = torch.randn(2, 3)

    def f(*s):
        own, others = s[stream], [s[i] for i in range(3) if i != stream]
        return layer(own, others, bias, static)
    assert_causal(f, streams, T)


def test_encoder_causal_and_one_bias_table(streams):
    torch.manual_seed(0)
    enc = ThreeStreamEncoder(32, 4, n_layers=3, d_ff=64, dropout=0.1, n_static=0, lmax=13).eval()
    assert_causal(lambda a, x, y: enc(a, x, y), streams, T)
    assert sum(isinstance(m, RelativePositionBias) for m in enc.modules()) == 1


def test_relative_bias_clipping():
    rpb = RelativePositionBias(n_heads=3, lmax=13)
    with torch.no_grad():
        rpb.table.copy_(torch.randn_like(rpb.table))
    b = rpb(40)
    far = torch.stack([b[:, t, s] for t in range(40) for s in range(t + 1) if t - s >= 13])
    assert torch.equal(far, far[:1].expand_as(far))           # every lag >= lmax shares one value
    assert not torch.equal(b[:, 20, 8], b[:, 20, 7])          # lag 12 vs lag 13 differ
    assert torch.equal(b[:, 30, 25], b[:, 10, 5])             # bias depends on the lag only


def test_tokenizer_mixes_channels_not_weeks():
    torch.manual_seed(0)
    tok = FourierChannelTokenizer(32, 6, 4, 0.0).eval()
    spend = torch.rand(2, 6, 5)
    with torch.no_grad():
        base = tok(spend)
        s2 = spend.clone(); s2[:, 3] = torch.rand(2, 5)
        out = tok(s2)
    assert torch.equal(out[:, [0, 1, 2, 4, 5]], base[:, [0, 1, 2, 4, 5]])
    assert not torch.equal(out[:, 3], base[:, 3])
    enc = fourier_features(torch.tensor([0.0, 0.02]), 6)
    assert (enc[1] - enc[0]).norm() > 10 * 0.02               # small spend stays distinguishable from zero


def _model(n_controls=2, n_static=1, creative_dim=None, **cfg):
    torch.manual_seed(0)
    return CausalTransformer(MMMConfig(**{**TINY, **cfg}), n_channels=4, n_controls=n_controls,
                             n_static=n_static, creative_dim=creative_dim).eval()


def _inputs(B=3, K=4, C=2, S=1):
    torch.manual_seed(1)
    return torch.rand(B, T, K), torch.randn(B, T, C), torch.randn(B, T), (torch.randn(B, S) if S else None)


@pytest.mark.parametrize("n_controls,n_static", [(2, 1), (0, 0)])
def test_model_causal_all_outputs(n_controls, n_static):
    model = _model(n_controls, n_static)
    spend, controls, target, static = _inputs(C=n_controls, S=n_static)
    assert_causal(lambda a, x, y: tuple(model(a, x, y, static)), [spend, controls, target], T)


def test_model_shift_target_and_spend_of_week_t():
    model = _model()
    spend, controls, target, static = _inputs()
    with torch.no_grad():
        base = model(spend, controls, target, static)
        for t in range(T - 1):
            y2 = target.clone(); y2[:, t] += 1.0
            o = model(spend, controls, y2, static)
            assert torch.equal(o.y_hat[:, : t + 1], base.y_hat[:, : t + 1]), "y_hat_t depends on target_t"
            assert not torch.equal(o.y_hat[:, t + 1], base.y_hat[:, t + 1]), "y_hat_{t+1} ignores target_t"
            a2 = spend.clone(); a2[:, t] = torch.rand(3, 4)
            o = model(a2, controls, target, static)
            assert not torch.equal(o.y_hat[:, t], base.y_hat[:, t]), "y_hat_t ignores spend_t"
            assert torch.equal(o.phi[:, : t + 1], base.phi[:, : t + 1]), "phi_t sees spend_t"
            assert torch.equal(o.a_hat[:, : t + 1], base.a_hat[:, : t + 1]), "a_hat_t sees spend_t"


@pytest.mark.parametrize("B,K,C,S", [(1, 20, 3, 0), (24, 6, 3, 2)])
def test_shapes_national_and_geo(B, K, C, S):
    torch.manual_seed(0)
    model = CausalTransformer(MMMConfig.small(), n_channels=K, n_controls=C, n_static=S).eval()
    spend, controls, target = torch.rand(B, 52, K), torch.randn(B, 52, C), torch.randn(B, 52)
    with torch.no_grad():
        out = model(spend, controls, target, torch.randn(B, S) if S else None)
    assert isinstance(out, ModelOutput)
    assert out.y_hat.shape == (B, 52) and out.a_hat.shape == (B, 52, K) and out.phi.shape == (B, 52, 16)
    assert ((out.a_hat > 0) & (out.a_hat < 1)).all()


def test_parameter_count_independent_of_k():
    counts = {K: count_parameters(CausalTransformer(MMMConfig(), n_channels=K, n_controls=3, creative_dim=16))
              for K in (3, 20, 100)}
    assert len(set(counts.values())) == 1, counts
    default = count_parameters(CausalTransformer(MMMConfig(), n_channels=20, n_controls=3))
    assert 2.0e6 < default < 2.2e6
    assert 40e3 < count_parameters(CausalTransformer(MMMConfig.small(), n_channels=20, n_controls=3)) < 150e3


def test_gradients_reach_every_parameter():
    model = _model(n_controls=2, n_static=2, creative_dim=8, dropout=0.1).train()
    spend, controls, target, static = _inputs(S=2)
    out = model(spend, controls, target, static, torch.randn(4, 8))
    (out.y_hat.sum() + out.a_hat.sum()).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, f"{name}: no gradient"
        assert torch.isfinite(p.grad).all(), f"{name}: non-finite gradient"
        assert p.grad.abs().sum() > 0, f"{name}: all-zero gradient"
    adv, main = list(model.adversary_parameters()), list(model.main_parameters())
    assert {id(p) for p in adv}.isdisjoint({id(p) for p in main})
    assert len(adv) + len(main) == len(list(model.parameters())) and len(adv) > 0


@pytest.mark.parametrize("kw,match", [
    (dict(d_model=100, n_heads=8), r"d_model \(100\) must be divisible by n_heads \(8\)"),
    (dict(lmax=0), r"lmax must be an integer >= 1"),
    (dict(dropout=-0.1), r"dropout must be in \[0, 1\)"),
    (dict(dropout=1.0), r"dropout must be in \[0, 1\)"),
    (dict(d_model=0), r"d_model must be a positive integer"),
    (dict(n_layers=-1), r"n_layers must be a positive integer"),
    (dict(d_ff=0), r"d_ff must be a positive integer"),
    (dict(lr=0.0), r"lr must be > 0"),
    (dict(ema_decay=1.0), r"ema_decay must be in \[0, 1\)"),
])
def test_bad_config_clear_error(kw, match):
    with pytest.raises(ValueError, match=match):
        MMMConfig(**kw)


def test_bad_inputs_clear_error():
    model = _model()
    spend, controls, target, static = _inputs()
    with pytest.raises(ValueError, match="spend must be"):
        model(spend[..., :3], controls, target, static)
    with pytest.raises(ValueError, match="static must be"):
        model(spend, controls, target, None)
    with pytest.raises(ValueError, match="creative_dim=None"):
        model(spend, controls, target, static, torch.randn(4, 8))
