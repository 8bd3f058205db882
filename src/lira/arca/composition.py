"""Dual-path composition ``z = [E_lr ; E_en]`` (DESIGN.md section 2, step 6).

When an example has no translation, the English slot is filled with an explicit stand-in, ``E_lr``
itself (``A(pool(g(x)))``), and flagged in ``has_translation``: never zero-filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def dual_path_vector(e_lr: torch.Tensor, e_en: torch.Tensor, english_weight: float = 0.5) -> torch.Tensor:
    """The untrained dual-path vector ``l2n([(1 - w) l2n(e_lr) ; w l2n(e_en)])`` for ``e_lr [n, d1]``,
    ``e_en [n, d2]``: ``[n, d1 + d2]``. ``w = english_weight`` in [0, 1]: 0.5 is the plain dual path (both halves
    equal), 0 the multilingual vector alone (the frozen backbone's cosines), 1 the English vector alone
    (translate-test's). One definition for the dual-path peer and LiRA's heads (``LaSRHead.dual_vector``), so
    that LiRA at step 0 and the peer compute the same numbers."""
    if not 0.0 <= english_weight <= 1.0:
        raise ValueError(f"english_weight must be in [0, 1], got {english_weight}")
    # in float64, so that zero padding (an adaptor wider than one input) cannot change a rounding of the
    # float32 result: the norms' sums then differ from the peer's only far below float32's precision
    lr, en = F.normalize(e_lr.double(), dim=-1), F.normalize(e_en.double(), dim=-1)
    if english_weight != 0.5:  # 0.5 scales both halves alike: nothing to do
        lr, en = (1.0 - english_weight) * lr, english_weight * en
    return F.normalize(torch.cat([lr, en], dim=-1), dim=-1).to(e_lr.dtype)


@dataclass
class DualPath:
    """``z [n, 2, S, d]`` (LRL slot then English slot) and ``has_translation [n]`` (False = stand-in)."""

    z: torch.Tensor
    has_translation: torch.Tensor

    def flat(self) -> torch.Tensor:
        """``z`` as one vector per example: ``[n, 2 S d]``."""
        return self.z.flatten(1)


def compose(e_lr: torch.Tensor, e_en: torch.Tensor | None, has_translation: torch.Tensor | None = None) -> DualPath:
    """Concatenate ``e_lr [n, S, d]`` and ``e_en [n, S, d]``; rows without a translation take ``e_lr``.

    ``e_en=None`` means no example has a translation. ``has_translation`` defaults to all True.
    """
    n = e_lr.shape[0]
    if e_en is None:
        e_en, has_translation = e_lr, torch.zeros(n, dtype=torch.bool, device=e_lr.device)
    if e_en.shape != e_lr.shape:
        raise ValueError(f"E_lr {tuple(e_lr.shape)} and E_en {tuple(e_en.shape)} differ in shape")
    if has_translation is None:
        has_translation = torch.ones(n, dtype=torch.bool, device=e_lr.device)
    english = torch.where(has_translation[:, None, None], e_en, e_lr)
    return DualPath(z=torch.stack([e_lr, english], dim=1), has_translation=has_translation)
