"""Dual-path composition ``z = [E_lr ; E_en]`` (DESIGN.md section 2, step 6).

When an example has no translation, the English slot is filled with an explicit stand-in, ``E_lr``
itself (``A(pool(g(x)))``), and flagged in ``has_translation``: never zero-filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def dual_path_vector(e_lr: torch.Tensor, e_en: torch.Tensor) -> torch.Tensor:
    """The untrained dual-path vector ``l2n([l2n(e_lr) ; l2n(e_en)])`` for ``e_lr [n, d1]``, ``e_en [n, d2]``:
    ``[n, d1 + d2]``. One definition for the dual-path peer and LiRA's heads (``LaSRHead.dual_vector``), so that
    LiRA at step 0 and the peer compute the same numbers."""
    return F.normalize(torch.cat([F.normalize(e_lr, dim=-1), F.normalize(e_en, dim=-1)], dim=-1), dim=-1)


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
