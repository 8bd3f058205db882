"""``dual_path_vector``: the English weight moves the dual path between the frozen backbone (0), the plain dual
path (0.5) and the English path alone (1)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lira.arca.composition import dual_path_vector


def cos(v: torch.Tensor) -> torch.Tensor:
    """Pairwise cosines of unit vectors."""
    return v @ v.T


def test_english_weight_endpoints_and_middle():
    g = torch.Generator().manual_seed(0)
    lr, en = torch.randn(5, 6, generator=g), torch.randn(5, 4, generator=g)
    torch.testing.assert_close(cos(dual_path_vector(lr, en, 0.0)), cos(F.normalize(lr, dim=-1)))
    torch.testing.assert_close(cos(dual_path_vector(lr, en, 1.0)), cos(F.normalize(en, dim=-1)))
    plain = F.normalize(torch.cat([F.normalize(lr, dim=-1), F.normalize(en, dim=-1)], -1), dim=-1)
    torch.testing.assert_close(dual_path_vector(lr, en), plain)
    # an adaptor wider than one input pads it with zeros: the other columns come out bit-identical
    padded = dual_path_vector(torch.cat([lr, torch.zeros(5, 7)], -1), en)
    assert torch.equal(torch.cat([padded[:, :6], padded[:, 13:]], -1), dual_path_vector(lr, en))
    quarter = dual_path_vector(lr, en, 0.25)
    assert torch.allclose(quarter.norm(dim=-1), torch.ones(5))
    assert torch.allclose(quarter[:, 6:].norm(dim=-1) / quarter[:, :6].norm(dim=-1), torch.full((5,), 1 / 3))
    with pytest.raises(ValueError, match=r"english_weight must be in \[0, 1\]"):
        dual_path_vector(lr, en, 1.5)
