"""Stability diagnostic of the LiRA guarantee (DESIGN.md section 2, "Theory that the project can measure").

Reference: LiRA, arXiv 2510.14466. Assumption 1 (anchoring) ``||E_lr(x) - E_en(T(x))|| <= eps1``;
Assumption 2 (translation fidelity) ``KL(p(s|x) || p(s|T(x))) <= eps2``; theorem
``||z - z*|| <= eps1 + C sqrt(2 eps2)`` with ``z = [E_lr(x); E_en(T(x))]`` and ``z* = [E_en(y*); E_en(y*)]``;
corollary for a locally Lipschitz scorer f: ``|f(z) - f(z*)| <= L_loc (eps1 + C sqrt(2 eps2))``.
The paper reports ``L_loc(q=0.95, one token edit) ~ 0.034`` and ``C ~ 0.687`` (``PAPER_L_LOC``, ``PAPER_C``).

Everything works on backbone features that are already pooled to S bins (tensors in, numbers out), so it is
fast and testable. **All distances are taken between L2-normalised, flattened adapted vectors**:
``u = E_lr(x) / ||E_lr(x)||``, ``v = E_en(T(x)) / ||.||``, ``g = E_en(y*) / ||.||`` (each ``[S d]`` flattened),
so every distance lies in [0, 2] and the halves of z are unit vectors. Example::

    report = diagnose(model, DiagnosticsInput(x_lr=x, y_t=y, y_gold=gold, x_lr_edited=x_edit))
    print(report.format())
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lira.arca.model import ArcaModel
from lira.translators.noise import typo

PAPER_C = 0.687
PAPER_L_LOC = 0.034
PROTOTYPE_KINDS = ("gold", "translations", "given")
EDIT_KINDS = ("drop", "swap", "duplicate", "typo")
KL_FLOOR = 1e-8
DIST_FLOOR = 1e-8
Scorer = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def cosine_scorer(lr_half: torch.Tensor, en_half: torch.Tensor) -> torch.Tensor:
    """Default scalar scorer ``f(z) = cos(z_lr, z_en)`` of the two halves of ``z`` (``[n, D]`` each -> ``[n]``).

    Smooth away from the origin; on the unit halves used here ``|f(z) - f(z')| <= ||z - z'||``, so the
    measured ``L_loc`` lies in [0, 1]. It is the agreement score the Embedding Critic itself uses (``sim_k``).
    """
    return F.cosine_similarity(lr_half, en_half, dim=-1)


@dataclass
class DiagnosticsInput:
    """Pooled backbone features for one dev set (row i of every tensor is the same example).

    ``x_lr [n, S, d_g]``: sources x. ``y_t [n, S, d_h]``: the translations T(x) the system chose.
    ``y_gold [n, S, d_h] | None``: gold/reference translations y*. ``x_lr_edited [n, S, d_g] | None``: sources
    after one-token edits (for L_loc; see ``one_token_edit``). ``y_t_edited [n, S, d_h] | None``: translations
    of the edited sources (default: T(x) held fixed). ``prototypes [m, S, d_h] | None``: English features of
    external semantic classes, used when ``DiagnosticsConfig.prototypes == "given"``.
    """

    x_lr: torch.Tensor
    y_t: torch.Tensor
    y_gold: torch.Tensor | None = None
    x_lr_edited: torch.Tensor | None = None
    y_t_edited: torch.Tensor | None = None
    prototypes: torch.Tensor | None = None

    def validate(self) -> None:
        """``ValueError`` naming the tensor whose shape does not fit ``x_lr``/``y_t``."""
        if self.x_lr.dim() != 3 or self.y_t.dim() != 3:
            raise ValueError(f"x_lr and y_t must be [n, S, d], got {tuple(self.x_lr.shape)} and "
                             f"{tuple(self.y_t.shape)}")
        if self.x_lr.shape[:2] != self.y_t.shape[:2]:
            raise ValueError(f"x_lr {tuple(self.x_lr.shape)} and y_t {tuple(self.y_t.shape)} differ in [n, S]")
        if self.x_lr.shape[0] == 0:
            raise ValueError("diagnostics need at least one example")
        for name, ref in (("y_gold", self.y_t), ("x_lr_edited", self.x_lr), ("y_t_edited", self.y_t)):
            value = getattr(self, name)
            if value is not None and value.shape != ref.shape:
                raise ValueError(f"{name} {tuple(value.shape)} must have the shape {tuple(ref.shape)}")
        if self.y_t_edited is not None and self.x_lr_edited is None:
            raise ValueError("y_t_edited needs x_lr_edited")
        protos = self.prototypes
        if protos is not None and (protos.dim() != 3 or protos.shape[1:] != self.y_t.shape[1:]):
            raise ValueError(f"prototypes {tuple(protos.shape)} must be [m, {self.y_t.shape[1]}, "
                             f"{self.y_t.shape[2]}]")


@dataclass
class DiagnosticsConfig:
    """``temperature`` tau of p(s|.), ``quantile`` q for the q-statistics, C and L_loc.

    ``prototypes`` picks the semantic classes s for eps2: ``"gold"`` (default) = one class per gold
    translation of the set itself, ``E_en(y*_s)`` (falls back to ``"translations"`` when there is no gold, with a
    note); ``"translations"`` = ``E_en(T(x_s))``; ``"given"`` = ``DiagnosticsInput.prototypes`` through ``E_en``.
    ``scorer`` is f for L_loc (default ``cosine_scorer``). ``fallback_c`` (e.g. ``PAPER_C``) is used for the
    bound only when C cannot be estimated (no gold); the report says so.
    """

    temperature: float = 0.05
    quantile: float = 0.95
    prototypes: str = "gold"
    scorer: Scorer = cosine_scorer
    fallback_c: float | None = None

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if not 0.0 <= self.quantile <= 1.0:
            raise ValueError(f"quantile must be in [0, 1], got {self.quantile}")
        if self.prototypes not in PROTOTYPE_KINDS:
            raise ValueError(f"unknown prototypes {self.prototypes!r}; valid: {', '.join(PROTOTYPE_KINDS)}")


@dataclass
class StabilityReport:
    """Estimates of eps1, eps2, C, L_loc, the bound and the observed deviation (``None`` = not measurable).

    ``*_q`` fields are the ``quantile``-quantile over examples. ``c_source`` is ``"estimated"``, ``"fallback"``
    or ``"none"``. ``holds`` is the share of gold examples with ``||z_i - z*_i|| <= eps1_i + C sqrt(2 eps2_i)``.
    ``per_example`` holds the per-example tensors (``eps1``, ``eps2``, ``observed``, ``bound``, ``c_ratio``,
    ``lipschitz_ratio``) and is left out of ``to_dict`` unless asked for.
    """

    n: int
    n_gold: int
    quantile: float
    temperature: float
    prototypes: str
    n_classes: int
    scorer: str
    eps1_mean: float
    eps1_q: float
    eps2_mean: float
    eps2_q: float
    c: float | None
    c_source: str
    c_pairs: int
    l_loc: float | None
    l_loc_pairs: int
    bound_mean: float | None
    bound_q: float | None
    observed_mean: float | None
    observed_q: float | None
    holds: float | None
    lipschitz_bound: float | None
    lipschitz_bound_q: float | None
    score_gap_mean: float | None
    score_gap_q: float | None
    notes: list[str] = field(default_factory=list)
    per_example: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)

    def to_dict(self, per_example: bool = False) -> dict[str, Any]:
        """JSON-ready dict of the numbers (plus per-example lists when ``per_example``)."""
        out = {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items() if k != "per_example"}
        out["paper"] = {"c": PAPER_C, "l_loc": PAPER_L_LOC}
        if per_example:
            out["per_example"] = {k: v.tolist() for k, v in self.per_example.items()}
        return out

    def format(self) -> str:
        """A small aligned text table; says "no gold translations" when y* was not given."""
        qname = f"q{self.quantile * 100:g}"
        c_note = {"estimated": f"{qname} of ||v - g|| / sqrt(2 KL) over {self.c_pairs} ex.",
                  "fallback": "fallback value (not estimated: no gold translations)",
                  "none": "not estimated"}[self.c_source]
        rows = [
            ("eps1", self.eps1_mean, self.eps1_q, "||E_lr(x) - E_en(T(x))||  (Assumption 1)"),
            ("eps2", self.eps2_mean, self.eps2_q, "KL(p(s|x) || p(s|T(x)))  (Assumption 2)"),
            ("C", self.c, None, f"{c_note}; paper ~{PAPER_C}"),
            ("L_loc", self.l_loc, None, (f"{qname} of |f(z)-f(z')|/||z-z'|| over {self.l_loc_pairs} one-token edits"
                                         if self.l_loc is not None else "not estimated (no edits that move z)")
             + f"; paper ~{PAPER_L_LOC}"),
            ("bound", self.bound_mean, self.bound_q, "eps1 + C sqrt(2 eps2)"),
            ("observed", self.observed_mean, self.observed_q, "||z - z*||"),
            ("holds", self.holds, None, "share of examples with observed_i <= bound_i"),
            ("L_loc*bound", self.lipschitz_bound, self.lipschitz_bound_q, "corollary bound on |f(z) - f(z*)|"),
            ("|f(z)-f(z*)|", self.score_gap_mean, self.score_gap_q, "observed score gap"),
        ]
        head = (f"Arca stability diagnostic: n={self.n}, gold={self.n_gold}, tau={self.temperature:g}, "
                f"q={self.quantile:g}, classes={self.n_classes} ({self.prototypes}), scorer={self.scorer}")
        cells = [("quantity", "mean", qname, "definition")]
        cells += [(name, _fmt(mean), _fmt(q), note) for name, mean, q, note in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(3)]
        lines = [head] + [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}  {d}" for a, b, c, d in cells]
        if self.n_gold == 0:
            lines.append("no gold translations: C and the observed deviation ||z - z*|| cannot be measured")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _quantile(values: torch.Tensor, q: float) -> float | None:
    return None if values.numel() == 0 else float(torch.quantile(values, q))


def _mean(values: torch.Tensor) -> float | None:
    return None if values.numel() == 0 else float(values.mean())


def _unit(e: torch.Tensor) -> torch.Tensor:
    """Flatten ``[n, S, d]`` to ``[n, S d]``, cast to float64 and L2-normalise each row."""
    return F.normalize(e.flatten(1).double(), dim=-1, eps=1e-12)


def class_kl(u: torch.Tensor, v: torch.Tensor, protos: torch.Tensor, temperature: float) -> torch.Tensor:
    """``KL(p_u || p_v)`` per row, ``p_w(s) = softmax_s(cos(w, P_s) / tau)``: ``[n, D], [n, D], [m, D] -> [n]``."""
    protos = F.normalize(protos, dim=-1)
    log_p = torch.log_softmax(F.normalize(u, dim=-1) @ protos.T / temperature, dim=-1)
    log_q = torch.log_softmax(F.normalize(v, dim=-1) @ protos.T / temperature, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(-1).clamp(min=0.0)


@torch.no_grad()
def diagnose(model: ArcaModel, data: DiagnosticsInput, config: DiagnosticsConfig | None = None) -> StabilityReport:
    """Estimate the quantities of the LiRA stability theorem on one dev set (model in eval mode, no grad).

    With unit vectors ``u_i = E_lr(x_i)``, ``v_i = E_en(T(x_i))``, ``g_i = E_en(y*_i)`` (normalised, flattened):

    - eps1 (Assumption 1): ``eps1_i = ||u_i - v_i||``; mean and q-quantile.
    - eps2 (Assumption 2): the class distributions are estimated with a soft nearest-prototype classifier,
      ``p(s|x_i) = softmax_s(cos(u_i, P_s) / tau)`` and ``p(s|T(x_i)) = softmax_s(cos(v_i, P_s) / tau)`` over the
      semantic classes s with prototypes ``P_s`` (default ``P_s = g_s``: each gold translation of the set is a
      class, i.e. "which reference does this text mean"); ``eps2_i = KL(p(.|x_i) || p(.|T(x_i)))``, mean and q.
      Needs at least 2 classes (one class gives KL = 0; the report notes it).
    - C: ``C = Q_q( ||v_i - g_i|| / sqrt(2 KL_i) )`` over gold examples with ``KL_i > 1e-8``: a Pinsker-style
      constant (Pinsker: ``TV <= sqrt(KL / 2)``) turning the distribution shift into representation shift.
      Note: for the 2-norm of the concatenation, ``||z - z*|| <= eps1_i + sqrt(2) ||v_i - g_i||`` (triangle
      inequality), so the constant the theorem needs in that norm may be up to sqrt(2) C; ``holds`` reports
      how often the paper's form holds empirically.
    - L_loc: ``Q_q( |f(z_i) - f(z'_i)| / ||z_i - z'_i|| )`` over pairs with ``||z_i - z'_i|| >= 1e-8``, where
      ``z'_i = [E_lr(x'_i); E_en(T(x'_i))]`` from the one-token-edited source x'_i (the English half stays
      T(x_i) unless ``y_t_edited`` is given) and f is ``config.scorer`` (default ``cosine_scorer``).
    - bound: ``eps1_mean + C sqrt(2 eps2_mean)`` (and the same from the q-quantiles); per example
      ``b_i = eps1_i + C sqrt(2 eps2_i)``. observed: ``||z_i - z*_i||`` with ``z = [u; v]``, ``z* = [g; g]``
      (gold examples only); ``holds = mean_i [observed_i <= b_i]``; ``lipschitz_bound = L_loc * bound``, shown
      next to the observed ``|f(z_i) - f(z*_i)|``.
    """
    config = config or DiagnosticsConfig()
    data.validate()
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32

    def lr(t: torch.Tensor) -> torch.Tensor:
        return _unit(model.embed_lr(t.to(device=device, dtype=dtype))).cpu()

    def en(t: torch.Tensor) -> torch.Tensor:
        return _unit(model.embed_en(t.to(device=device, dtype=dtype))).cpu()

    was_training = model.training
    model.eval()
    try:
        u, v = lr(data.x_lr), en(data.y_t)
        g = None if data.y_gold is None else en(data.y_gold)
        u_edit = None if data.x_lr_edited is None else lr(data.x_lr_edited)
        v_edit = None if data.y_t_edited is None else en(data.y_t_edited)
        given = None if data.prototypes is None else en(data.prototypes)
    finally:
        model.train(was_training)

    q, notes = config.quantile, []
    kind = config.prototypes
    if kind == "gold" and g is None:
        kind = "translations"
        notes.append("no gold translations: eps2 prototypes are the chosen translations E_en(T(x))")
    if kind == "given" and given is None:
        raise ValueError('prototypes="given" needs DiagnosticsInput.prototypes')
    protos = {"gold": g, "translations": v, "given": given}[kind]
    assert protos is not None
    if protos.shape[0] < 2:
        notes.append("fewer than 2 semantic classes: eps2 is 0 by construction")

    eps1 = (u - v).norm(dim=-1)
    eps2 = class_kl(u, v, protos, config.temperature)
    per: dict[str, torch.Tensor] = {"eps1": eps1, "eps2": eps2}

    c, c_source, c_pairs = None, "none", 0
    if g is not None:
        valid = eps2 > KL_FLOOR
        ratio = (v - g).norm(dim=-1)[valid] / torch.sqrt(2 * eps2[valid])
        per["c_ratio"] = ratio
        c_pairs = int(valid.sum())
        c = _quantile(ratio, q)
        if c is not None:
            c_source = "estimated"
        else:
            notes.append(f"C not estimated: no example with KL > {KL_FLOOR:g}")
    if c is None and config.fallback_c is not None:
        c, c_source = float(config.fallback_c), "fallback"

    l_loc, l_pairs = None, 0
    if u_edit is not None:
        v2 = v if v_edit is None else v_edit
        dist = torch.sqrt((u - u_edit).pow(2).sum(-1) + (v - v2).pow(2).sum(-1))
        keep = dist >= DIST_FLOOR
        gap = (config.scorer(u, v) - config.scorer(u_edit, v2)).abs()
        lip = gap[keep] / dist[keep]
        per["lipschitz_ratio"] = lip
        l_pairs = int(keep.sum())
        l_loc = _quantile(lip, q)
        if l_loc is None:
            notes.append("L_loc not estimated: every edit left z unchanged")

    eps1_mean, eps1_q = float(eps1.mean()), float(torch.quantile(eps1, q))
    eps2_mean, eps2_q = float(eps2.mean()), float(torch.quantile(eps2, q))
    bound_mean = bound_q = None
    if c is not None:
        bound_mean = eps1_mean + c * math.sqrt(2 * eps2_mean)
        bound_q = eps1_q + c * math.sqrt(2 * eps2_q)

    observed_mean = observed_q = holds = gap_mean = gap_q = None
    if g is not None:
        observed = torch.sqrt((u - g).pow(2).sum(-1) + (v - g).pow(2).sum(-1))
        score_gap = (config.scorer(u, v) - config.scorer(g, g)).abs()
        per.update(observed=observed, score_gap=score_gap)
        observed_mean, observed_q = float(observed.mean()), float(torch.quantile(observed, q))
        gap_mean, gap_q = float(score_gap.mean()), float(torch.quantile(score_gap, q))
        if c is not None:
            bound_i = eps1 + c * torch.sqrt(2 * eps2)
            per["bound"] = bound_i
            holds = float((observed <= bound_i + 1e-9).double().mean())

    return StabilityReport(
        n=int(u.shape[0]), n_gold=0 if g is None else int(g.shape[0]), quantile=q, temperature=config.temperature,
        prototypes=kind, n_classes=int(protos.shape[0]), scorer=getattr(config.scorer, "__name__", "scorer"),
        eps1_mean=eps1_mean, eps1_q=eps1_q, eps2_mean=eps2_mean, eps2_q=eps2_q,
        c=c, c_source=c_source, c_pairs=c_pairs, l_loc=l_loc, l_loc_pairs=l_pairs,
        bound_mean=bound_mean, bound_q=bound_q, observed_mean=observed_mean, observed_q=observed_q, holds=holds,
        lipschitz_bound=None if l_loc is None or bound_mean is None else l_loc * bound_mean,
        lipschitz_bound_q=None if l_loc is None or bound_q is None else l_loc * bound_q,
        score_gap_mean=gap_mean, score_gap_q=gap_q, notes=notes, per_example=per,
    )


def one_token_edit(text: str, rng: np.random.Generator, kinds: Sequence[str] = EDIT_KINDS) -> str:
    """Exactly one seeded token-level edit of ``text`` (whitespace tokens), for the L_loc perturbations.

    Drawn uniformly among the kinds that can change the text: ``drop`` one token (needs 2+ tokens), ``swap`` one
    adjacent pair of different tokens, ``duplicate`` one token, ``typo`` (one character edit, ``noise.typo``)
    in one token that holds a letter (``duplicate`` when none of ``kinds`` applies). The result always differs
    from ``text``, unless ``text`` is empty.
    """
    bad = [k for k in kinds if k not in EDIT_KINDS]
    if bad or not kinds:
        raise ValueError(f"edit kinds must be a non-empty subset of {', '.join(EDIT_KINDS)}, got {kinds!r}")
    tokens = text.split()
    if not tokens:
        return text
    pairs = [i for i in range(len(tokens) - 1) if tokens[i] != tokens[i + 1]]
    lettered = [i for i, t in enumerate(tokens) if any(c.isalpha() for c in t)]
    able = {"drop": len(tokens) > 1, "swap": bool(pairs), "duplicate": True, "typo": bool(lettered)}
    options = [k for k in kinds if able[k]] or ["duplicate"]
    kind = options[int(rng.integers(len(options)))]
    if kind == "drop":
        del tokens[int(rng.integers(len(tokens)))]
    elif kind == "swap":
        i = pairs[int(rng.integers(len(pairs)))]
        tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    elif kind == "duplicate":
        i = int(rng.integers(len(tokens)))
        tokens.insert(i, tokens[i])
    else:
        i = lettered[int(rng.integers(len(lettered)))]
        tokens[i] = typo(tokens[i], rng)
    return " ".join(tokens)


def one_token_edits(texts: Sequence[str], seed: int = 0, kinds: Sequence[str] = EDIT_KINDS) -> list[str]:
    """``one_token_edit`` of each text with one generator seeded by ``seed`` (same seed, same edits)."""
    rng = np.random.default_rng(seed)
    return [one_token_edit(t, rng, kinds) for t in texts]
