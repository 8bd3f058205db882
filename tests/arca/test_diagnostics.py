"""Stability diagnostic: hand-computed eps1, eps2 (KL), C, L_loc and bound checks on an identity adaptor."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.diagnostics import (
    PAPER_C,
    DiagnosticsConfig,
    DiagnosticsInput,
    class_kl,
    diagnose,
    one_token_edit,
    one_token_edits,
)
from lira.arca.model import ArcaConfig, ArcaModel


def identity_model(d: int) -> ArcaModel:
    """AdaptorConfig dims equal to the feature dims: the adaptor starts as the identity."""
    torch.manual_seed(0)
    return ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=d, en_dim=d, dim=d, hidden=8, layers=2)))


def feats(*rows: tuple[float, ...]) -> torch.Tensor:
    """``[n, 1, d]`` features from row tuples (S = 1)."""
    return torch.tensor(rows, dtype=torch.float32)[:, None, :]


def test_identity_adaptor() -> None:
    model = identity_model(4)
    x = torch.randn(3, 2, 4)
    assert torch.allclose(model.embed_lr(x), x)
    assert torch.allclose(model.embed_en(x), x)


def test_eps1_zero_when_features_equal() -> None:
    x = torch.randn(5, 2, 4)
    report = diagnose(identity_model(4), DiagnosticsInput(x_lr=x, y_t=x.clone()))
    assert report.eps1_mean == pytest.approx(0.0, abs=1e-7)
    assert report.eps1_q == pytest.approx(0.0, abs=1e-7)
    assert report.eps2_mean == pytest.approx(0.0, abs=1e-9)


def test_eps1_orthogonal_unit_vectors() -> None:
    report = diagnose(identity_model(2), DiagnosticsInput(x_lr=feats((1.0, 0.0)), y_t=feats((0.0, 3.0))))
    assert report.eps1_mean == pytest.approx(math.sqrt(2))
    assert report.eps1_q == pytest.approx(math.sqrt(2))


def test_kl_zero_for_equal_distributions() -> None:
    u, protos = torch.randn(4, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    assert torch.allclose(class_kl(u, u, protos, 0.1), torch.zeros(4, dtype=torch.float64))


def test_kl_two_class_hand_computed() -> None:
    # gold prototypes e1, e2; x1 at 45 degrees -> p = (1/2, 1/2); T(x1) = e1 -> q = softmax(1, 0) at tau = 1.
    s = 1 / math.sqrt(2)
    data = DiagnosticsInput(x_lr=feats((s, s), (0.0, 1.0)), y_t=feats((1.0, 0.0), (0.0, 1.0)),
                            y_gold=feats((1.0, 0.0), (0.0, 1.0)))
    report = diagnose(identity_model(2), data, DiagnosticsConfig(temperature=1.0))
    expected = math.log((math.e + 1) / 2) - 0.5
    kl = report.per_example["eps2"]
    assert kl[0].item() == pytest.approx(expected, rel=1e-9)
    assert kl[1].item() == pytest.approx(0.0, abs=1e-12)
    assert report.eps2_mean == pytest.approx(expected / 2, rel=1e-9)


def test_c_hand_computed() -> None:
    # sources equal gold; T(x1) is gold rotated by 45 degrees, T(x2) equals gold (KL 0: skipped for C).
    s = 1 / math.sqrt(2)
    data = DiagnosticsInput(x_lr=feats((1.0, 0.0), (0.0, 1.0)), y_t=feats((s, s), (0.0, 1.0)),
                            y_gold=feats((1.0, 0.0), (0.0, 1.0)))
    report = diagnose(identity_model(2), data, DiagnosticsConfig(temperature=1.0))
    p = [math.e / (math.e + 1), 1 / (math.e + 1)]
    kl = sum(pi * math.log(pi / 0.5) for pi in p)
    assert report.c_pairs == 1
    assert report.c_source == "estimated"
    assert report.c == pytest.approx(math.sqrt(2 - math.sqrt(2)) / math.sqrt(2 * kl), rel=1e-9)
    assert report.observed_mean is not None and report.bound_mean is not None


def test_no_gold_gives_no_c_and_says_so() -> None:
    torch.manual_seed(1)
    data = DiagnosticsInput(x_lr=torch.randn(6, 2, 4), y_t=torch.randn(6, 2, 4))
    report = diagnose(identity_model(4), data)
    assert report.c is None and report.c_source == "none"
    assert report.observed_mean is None and report.observed_q is None and report.holds is None
    assert report.bound_mean is None
    assert report.prototypes == "translations"
    assert "no gold translations" in report.format()
    fallback = diagnose(identity_model(4), data, DiagnosticsConfig(fallback_c=PAPER_C))
    assert fallback.c == PAPER_C and fallback.c_source == "fallback"
    assert fallback.bound_mean == pytest.approx(fallback.eps1_mean + PAPER_C * math.sqrt(2 * fallback.eps2_mean))


def test_l_loc_finite_and_nonnegative() -> None:
    torch.manual_seed(2)
    x = torch.randn(8, 2, 4)
    data = DiagnosticsInput(x_lr=x, y_t=torch.randn(8, 2, 4), x_lr_edited=x + 0.1 * torch.randn(8, 2, 4))
    report = diagnose(identity_model(4), data)
    assert report.l_loc is not None and math.isfinite(report.l_loc)
    assert 0.0 <= report.l_loc <= 1.0 + 1e-9  # cosine scorer on unit halves is 1-Lipschitz
    assert report.l_loc_pairs == 8


def test_l_loc_skips_unchanged_pairs() -> None:
    x = torch.randn(3, 1, 4)
    report = diagnose(identity_model(4), DiagnosticsInput(x_lr=x, y_t=torch.randn(3, 1, 4), x_lr_edited=x.clone()))
    assert report.l_loc is None and report.l_loc_pairs == 0


def test_bound_holds_when_translations_equal_gold() -> None:
    torch.manual_seed(3)
    gold = torch.randn(10, 2, 4)
    x = gold + 0.5 * torch.randn(10, 2, 4)
    data = DiagnosticsInput(x_lr=x, y_t=gold.clone(), y_gold=gold, x_lr_edited=x + 0.05 * torch.randn(10, 2, 4))
    report = diagnose(identity_model(4), data)
    assert report.c == pytest.approx(0.0, abs=1e-6)
    assert report.bound_mean is not None and report.observed_mean is not None
    assert report.bound_mean >= report.observed_mean - 1e-9
    assert report.bound_q >= report.observed_q - 1e-9
    assert report.holds == 1.0
    assert report.lipschitz_bound == pytest.approx(report.l_loc * report.bound_mean)


def test_format_and_to_dict() -> None:
    torch.manual_seed(4)
    x, y = torch.randn(6, 1, 4), torch.randn(6, 1, 4)
    data = DiagnosticsInput(x_lr=x, y_t=y, y_gold=y + 0.1 * torch.randn(6, 1, 4), x_lr_edited=x + 0.1)
    report = diagnose(identity_model(4), data)
    text = report.format()
    for word in ("eps1", "eps2", "C", "L_loc", "bound", "observed", "q95"):
        assert word in text
    assert "no gold translations" not in text
    raw = json.loads(json.dumps(report.to_dict(per_example=True)))
    assert raw["n"] == 6 and raw["n_gold"] == 6 and len(raw["per_example"]["eps1"]) == 6


def test_different_widths_and_bad_shapes() -> None:
    model = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=6, en_dim=5, dim=4, hidden=8)))
    report = diagnose(model, DiagnosticsInput(x_lr=torch.randn(4, 2, 6), y_t=torch.randn(4, 2, 5)))
    assert math.isfinite(report.eps1_mean) and 0.0 <= report.eps1_mean <= 2.0
    with pytest.raises(ValueError, match="y_gold"):
        diagnose(model, DiagnosticsInput(x_lr=torch.randn(4, 2, 6), y_t=torch.randn(4, 2, 5),
                                         y_gold=torch.randn(3, 2, 5)))
    with pytest.raises(ValueError, match="temperature"):
        DiagnosticsConfig(temperature=0.0)


def test_one_token_edit_is_seeded_and_changes_text() -> None:
    texts = ["sepatu nike hitam murah", "hp", "a a a", "123 456"]
    assert one_token_edits(texts, seed=7) == one_token_edits(texts, seed=7)
    for text in texts:
        for seed in range(20):
            edited = one_token_edit(text, np.random.default_rng(seed))
            assert edited != text
            assert abs(len(edited.split()) - len(text.split())) <= 1
    assert one_token_edit("", np.random.default_rng(0)) == ""
