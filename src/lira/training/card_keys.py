"""How a LaSR model's card (``LiRAConfig.metrics``) names its start's choices and scores.

``lira.training.lasr_run.fit_lasr`` writes these keys and the dev scripts under ``benchmarks/`` read them back
(``alignment_dev.py``, ``start_scoring_dev.py``), so both sides share one spelling. Torch-free: a script that only
reads cards loads no model code.
"""

from __future__ import annotations

import re

# a start's score: "dev accuracy at step 0, English weight 0.5 + alignment" (scored on dev) or
# "3-fold cross-validated accuracy at step 0, English weight 1.0" (``lira.training.start_cv``)
START_SCORE = re.compile(r"^(?P<scored_on>dev|\d+-fold cross-validated) (?P<metric>\S+) at step 0, "
                         r"English weight (?P<start>.+)$")


def start_name(weight: float, alignment: int, pair_vectors: bool = True, cosine: bool = False,
               probe_c: float = 1.0) -> str:
    """How a starting point is named in the dev table of ``choose_english_weight``: its English weight, with
    `` + alignment`` when it reads the token-alignment features and `` + cosine`` when it reads the pair cosines
    (`` only`` after them without the pooled pair vectors), and ``, C 0.25`` when its probe's C is not 1."""
    extra = "".join(name for name, on in ((" + alignment", alignment), (" + cosine", cosine)) if on)
    return (str(weight) + extra + ("" if pair_vectors or not extra else " only")
            + ("" if probe_c == 1.0 else f", C {probe_c:g}"))


def probe_reads(alignment: bool, pair_vectors: bool = True, cosine: bool = False) -> str:
    """What a pair probe reads, as the model card and the report name it: ``pair vectors``, with `` +
    alignment`` / `` + cosine``, or ``alignment`` / ``cosine`` alone."""
    parts = [name for name, on in (("pair vectors", pair_vectors), ("alignment", alignment), ("cosine", cosine)) if on]
    return " + ".join(parts)


def chosen_on(scored_on: str) -> str:
    """Where a start was chosen, as a card key says it: ``dev``, or ``train + dev`` for ``scored_on`` a
    cross-validation over both."""
    return "dev" if scored_on == "dev" else "train + dev"


def weight_key(scored_on: str) -> str:
    """The card key of the English weight chosen (``scored_on``: ``dev`` or ``N-fold cross-validated``)."""
    return f"English weight (chosen on {chosen_on(scored_on)})"


def reads_key(scored_on: str) -> str:
    """The card key of what the pair probe reads, chosen as ``weight_key`` says."""
    return f"pair probe reads (chosen on {chosen_on(scored_on)})"


def probe_c_key(scored_on: str) -> str:
    """The card key of the probe's C chosen (``LaSRConfig.probe_c``), as ``weight_key`` says."""
    return f"probe C (chosen on {chosen_on(scored_on)})"


def probe_c_margin_key(scored_on: str) -> str:
    """The card key of the margin another C had to beat the first C by (``choose_english_weight``'s
    ``c_margin``)."""
    return f"probe C margin (on {chosen_on(scored_on)})"


def start_score_key(scored_on: str, metric: str, start: str) -> str:
    """The card key of one start's score (``start``: a ``start_name``); ``START_SCORE`` reads it back."""
    return f"{scored_on} {metric} at step 0, English weight {start}"
