"""Where a run's time went (``lira benchmark``, ``lira demo``): encoding per backbone (``lira.cache.encode_tally``)
and each labelled part (the training of each kind of model) without the encoding it triggered, against the run's
time budget from an empty feature cache (issue 13: the demo 5 minutes, the full benchmark 45, ``--quick`` 3)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from lira.cache import encode_tally


def _encoded_seconds() -> float:
    return sum(seconds for seconds, _ in encode_tally().values())


class TimeLedger:
    """Wall seconds per labelled part of a run, each part less the encoding done inside it and less the parts
    nested in it (stage 1 trained on first use inside a LaSR fit counts as stage 1 only); encoding per backbone
    since the ledger was made."""

    def __init__(self) -> None:
        self._start = encode_tally()
        self.parts: dict[str, float] = {}
        self._stack: list[list[float]] = []  # per open part: [wall, encoding] of the parts nested in it

    @contextmanager
    def part(self, label: str) -> Iterator[None]:
        """Count the block's own time under ``label`` (added up over calls)."""
        t0, e0 = time.perf_counter(), _encoded_seconds()
        self._stack.append([0.0, 0.0])
        try:
            yield
        finally:
            wall, encoding = time.perf_counter() - t0, _encoded_seconds() - e0
            inner_wall, inner_encoding = self._stack.pop()
            self.parts[label] = self.parts.get(label, 0.0) + (wall - inner_wall) - (encoding - inner_encoding)
            if self._stack:
                self._stack[-1][0] += wall
                self._stack[-1][1] += encoding

    def encoding(self) -> dict[str, tuple[float, int]]:
        """Per backbone name: seconds and texts encoded (cache misses) since the ledger was made."""
        out = {}
        for name, (seconds, texts) in encode_tally().items():
            s0, n0 = self._start.get(name, (0.0, 0))
            if texts > n0:
                out[name] = (seconds - s0, texts - n0)
        return out

    def summary(self, total: float) -> dict[str, Any]:
        """``{"encoding": {name: {"seconds", "texts"}}, "parts": {label: seconds}, "rest": seconds}``: the rest is
        ``total`` less both."""
        encoding = {name: {"seconds": s, "texts": n} for name, (s, n) in self.encoding().items()}
        counted = sum(e["seconds"] for e in encoding.values()) + sum(self.parts.values())
        return {"encoding": encoding, "parts": dict(self.parts), "rest": total - counted}


def backbone_labels(encoders: Mapping[str, Any]) -> dict[str, str]:
    """Backbone name -> the spec it was loaded from, for ``encoders`` keyed by spec (``cached_backbone``'s: a
    ``+`` spec is a ``ConcatBackbone`` whose parts are named one by one)."""
    labels = {}
    for spec, encoder in encoders.items():
        parts = getattr(encoder, "parts", None)
        pairs = zip(parts, spec.split("+"), strict=False) if parts is not None else [(encoder, spec)]
        labels.update({part.name: part_spec for part, part_spec in pairs})
    return labels


def time_table(summary: dict[str, Any], total: float, budget: float | None, cold: bool,
               labels: Mapping[str, str] | None = None) -> str:
    """Markdown: the parts of ``summary`` (``TimeLedger.summary``) largest first with their share of ``total``,
    each backbone under its ``labels`` entry (``backbone_labels``; else its name), then one line on the ``budget``
    (seconds, from an empty feature cache; ``cold``: whether this run began with one) that names the largest part."""
    labels = labels or {}
    rows = [(f"encoding with {labels.get(name, name)} ({e['texts']:,} texts)", e["seconds"])
            for name, e in summary["encoding"].items()]
    rows += [(label, seconds) for label, seconds in summary["parts"].items()]
    rows += [("everything else (loading data and models, choices made outside the parts)", summary["rest"])]
    rows.sort(key=lambda r: -r[1])
    table = "\n".join(["| part | seconds | share |", "|---|---|---|",
                       *(f"| {label} | {seconds:.0f} | {100 * seconds / total if total > 0 else 0:.0f}% |"
                         for label, seconds in rows)])
    if budget is None:
        return table
    verdict = "within it" if total <= budget else f"over it by {total - budget:.0f} s"
    cache = ("this run began with an empty feature cache" if cold else
             "this run began with a feature cache that already held vectors, so its time is not a cold one")
    line = (f"Time budget {budget:.0f} s from an empty feature cache: {total:.0f} s, {verdict}; {cache}. "
            f"Largest part: {rows[0][0]} ({rows[0][1]:.0f} s).")
    return f"{table}\n\n{line}"
