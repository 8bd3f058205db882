"""``LanguageEmbedding``: a learned vector per language for LaSR's language token (DESIGN.md section 3).

Our choice (the paper does not specify how unseen languages are handled):

- every language seen in training (``languages``, canonical ISO 639-3) has its own vector;
- a language not seen in training but known to LiRA (``lira.languages.LANGUAGES``) gets
  ``fallback + family[f]``, where ``fallback`` is one shared vector and ``family[f]`` the vector of its
  language family, when that family has a language seen in training; otherwise ``fallback`` alone;
- a code LiRA does not know at all raises ``UnknownLanguageError`` listing the valid codes.

The fallback and family vectors are only reached by unseen languages, so they would never be trained.
``unseen_dropout`` fixes that: in training mode each known language is, with that probability, routed as if
it were unseen (``fallback + family`` of its own family), the way BERT-style token dropout trains ``[UNK]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lira.languages import get_language

OWN, FAMILY, FALLBACK = "own", "family", "fallback"


class LanguageEmbedding(nn.Module):
    """Language codes -> vectors ``[n, dim]``.

    ``languages``: the codes seen in training (any alias ``get_language`` accepts; stored canonical, in order,
    without duplicates). ``families``: use family vectors for unseen languages (else ``fallback`` only).
    ``unseen_dropout``: training-time probability of routing a known language through the unseen path.
    """

    def __init__(self, dim: int, languages: Sequence[str], *, families: bool = True,
                 unseen_dropout: float = 0.0) -> None:
        super().__init__()
        if isinstance(languages, str):
            raise TypeError("languages must be a sequence of codes, not one string")
        if not 0.0 <= unseen_dropout < 1.0:
            raise ValueError(f"unseen_dropout must be in [0, 1), got {unseen_dropout}")
        known: list[str] = []
        for code in languages:
            canonical = get_language(code).code
            if canonical not in known:
                known.append(canonical)
        self.dim = dim
        self.unseen_dropout = unseen_dropout
        self._known = tuple(known)
        self._families = tuple(sorted({get_language(c).family for c in known})) if families else ()
        self._own_index = {code: i for i, code in enumerate(self._known)}
        self._family_index = {family: i for i, family in enumerate(self._families)}
        self.own = nn.Parameter(torch.randn(len(self._known), dim) * 0.02)
        self.fallback = nn.Parameter(torch.randn(dim) * 0.02)
        self.family = nn.Parameter(torch.randn(len(self._families), dim) * 0.02)

    @property
    def known(self) -> tuple[str, ...]:
        """Canonical codes seen in training, in the order given."""
        return self._known

    @property
    def families(self) -> tuple[str, ...]:
        """Families with a vector (those of the known languages; empty when families are off)."""
        return self._families

    def _unseen_row(self, code: str) -> int:
        family = self._family_index.get(get_language(code).family)
        k, f = len(self._known), len(self._families)
        return k + f if family is None else k + family

    def route(self, code: str) -> str:
        """How ``code`` is embedded: ``"own"``, ``"family"`` (fallback + family) or ``"fallback"``."""
        code = get_language(code).code
        if code in self._own_index:
            return OWN
        return FALLBACK if self._unseen_row(code) == len(self._known) + len(self._families) else FAMILY

    def rows(self, langs: Sequence[str]) -> torch.Tensor:
        """Row per code in the table ``[own; fallback + family; fallback]``: ``[n]`` (long, on CPU).

        Raises ``UnknownLanguageError`` (with the valid codes) for a code LiRA does not know.
        """
        if isinstance(langs, str):
            langs = [langs]
        out = []
        for lang in langs:
            code = get_language(lang).code
            own = self._own_index.get(code)
            out.append(own if own is not None else self._unseen_row(code))
        return torch.tensor(out, dtype=torch.long)

    def forward(self, langs: Sequence[str]) -> torch.Tensor:
        """``langs`` (n codes; one string counts as one code) -> ``[n, dim]``."""
        rows = self.rows(langs).to(self.fallback.device)
        k = len(self._known)
        if self.training and self.unseen_dropout > 0 and k:
            # Route some known languages through their unseen path so fallback and family vectors learn.
            unseen_of_known = torch.tensor([self._unseen_row(c) for c in self._known], device=rows.device)
            hit = (rows < k) & (torch.rand(rows.shape, device=rows.device) < self.unseen_dropout)
            rows = torch.where(hit, unseen_of_known[rows.clamp(max=k - 1)], rows)
        table = torch.cat([self.own, self.fallback + self.family, self.fallback[None]], dim=0)
        return table[rows]

    def extra_repr(self) -> str:
        return f"dim={self.dim}, known={list(self._known)}, families={list(self._families)}"
