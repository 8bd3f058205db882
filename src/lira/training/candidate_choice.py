"""Whether a trained Actor may override a ranked translator's first candidate: a choice made on dev before stage 2.

Arca's untrained Actor is uniform, so on a ranked pool (``lira.translators.base.is_ranked``: the translator puts
its best candidate first) it reads the translator's first candidate (``ArcaModel.greedy``). Stage 1 trains the
Actor on the parallel data's candidate pools; on another task's pools (a lexicon's senses of a product query)
its preference may help or hurt, and only that task's dev split can say which. ``choose_candidates`` scores the
untrained dual path over a stage-1 Arca on dev twice, reading each query's first candidate (``candidates=1``,
what LiRA at step 0 reads) and letting the Actor choose among ``config.candidates``; the first candidate stays
unless the Actor beats it by the one-standard-error margin of the paired per-query difference
(``lira.training.selection.selection_margin``, one look). Stage 2 then trains its head on the chosen reading,
the one the saved model reads. Unranked pools have no first candidate to keep: there the Actor always chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lira.data.formats import RetrievalDataset
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.metrics import paired_se
from lira.model import LiRAModel
from lira.training.lasr_data import retrieval_data
from lira.training.lasr_trainer import evaluate_retrieval
from lira.training.selection import selection_margin
from lira.translators.base import is_ranked

METRIC = "mean_ndcg@10"


def choose_candidates(model: LiRAModel, datasets: Sequence[RetrievalDataset], split: str) -> tuple[int, dict[str, Any]]:
    """The English candidates per query that ``model`` (a LiRA model over a stage-1 Arca) should read:
    ``config.candidates`` if its Actor's choice among them beats the translator's first candidate on ``split``'s
    queries of ``datasets`` by the margin, else 1 (module docstring). Both readings are scored through the
    untrained dual path (``LaSRHead`` at its start, the plain dual path), each query translated by the model's
    translator. Returns the count and ``{"candidates", "metric", "dev": {"1": score, "K": score},
    "margin"}``; ``(config.candidates, {})`` when there is nothing to choose (one candidate, no translator, or an
    unranked translator)."""
    k = model.config.candidates
    translators = [model.translator(ds.lang) for ds in datasets]
    if k < 2 or not datasets or any(t is None or not is_ranked(t) for t in translators):
        return k, {}
    start = LaSRHead(LaSRConfig(dim=model.arca.config.adaptor.out_dim))
    scores = {n: evaluate_retrieval(start, model.arca, retrieval_data(m, datasets, split), items=True)
              for n, m in ((1, model.reconfigured(candidates=1)), (k, model))}
    margin = selection_margin(paired_se(scores[k]["items"], scores[1]["items"]))
    chosen = k if scores[k][METRIC] - scores[1][METRIC] > margin else 1
    return chosen, {"candidates": chosen, "metric": METRIC, "dev": {str(n): s[METRIC] for n, s in scores.items()},
                    "margin": margin}


def card_metrics(choice: dict[str, Any]) -> dict[str, Any]:
    """The model card's lines for a ``choose_candidates`` result (none for an empty one)."""
    if not choice:
        return {}
    metric, dev = choice["metric"], choice["dev"]
    k = max(dev, key=int)
    return {"candidates (chosen on dev)": choice["candidates"],
            f"dev {metric} before stage 2, the translator's first candidate": dev["1"],
            f"dev {metric} before stage 2, the Actor's choice of {k}": dev[k]}
