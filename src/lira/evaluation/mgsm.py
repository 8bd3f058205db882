"""``MGSMEvaluator``: math word problems solved by an LLM behind a chat endpoint, scored by exact numeric match.

What the solver reads depends on the method:

- ``direct``: the question in its own language.
- ``translate-test``: the translator's first English candidate.
- ``lira``: the English candidate that a LiRA model's Arca picks (``LiRAModel.choose``: offline Translation
  Critic + Actor) among the translator's ``candidates``; ``translate-test`` reads the first of the same pool.
- ``gold-english``: the dataset's English question (an upper reference, not a method a user could run).

Problems already in English (``lang`` eng) are their own English text. Each item is one user message built
from ``prompt`` (``{question}``): zero-shot chain of thought ending with ``Answer: <number>`` (Kojima et al.,
2022); the instruction is in English for every method. MGSM's paper prompts with few-shot exemplars instead;
zero-shot is our choice, and ``prompt`` is configurable.

Scoring (``parse_answer``): ``<think>...</think>`` blocks are removed; the answer is the first number after the
last ``Answer:`` (case-insensitive), else the last number in the reply; commas are read as thousands
separators and removed, a leading ``-`` (or U+2212) is a minus sign unless it follows a letter or digit
(``5-3`` reads 5 and 3), and digits of any script count (``float`` reads them). A reply is correct when the
parsed float equals the gold float exactly (so 18, 18.0 and 18.00 match; 17.99 does not); a reply without a
number is unparseable (and wrong).

Failures are counted, never dropped: an item whose solver request still fails after the ``ChatClient``'s
retries is ``failed``; one with no English text (the translator failed for it, or gave no candidate) is
``no_text``. Both count as wrong, so ``main_score`` (accuracy) is over all ``n`` items.

Reference: Shi et al. (2023), "Language models are multilingual chain-of-thought reasoners", ICLR; MGSM, CC BY 4.0.
LiRA (arXiv 2510.14466) reports MGSM accuracy (DESIGN.md section 4).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from lira.data.formats import MathProblem
from lira.languages import ENGLISH
from lira.translators.base import Candidate, Translator, is_ranked
from lira.translators.chat import ChatClient, EndpointError

METHODS: tuple[str, ...] = ("direct", "translate-test", "lira", "gold-english")
DEFAULT_PROMPT = ("Solve the following math problem. Reason step by step, then give the final answer as a number "
                  "on the last line, in the form 'Answer: <number>'.\n\nProblem: {question}")
TRANSLATE_WORKERS = 4

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_ANSWER = re.compile(r"answer\s*[:：]", re.IGNORECASE)
_NUMBER = re.compile(r"(?:(?<![^\W_])[-\u2212])?\d[\d,]*(?:\.\d+)?")


def parse_answer(reply: str) -> float | None:
    """The number a solver ``reply`` gives as its answer, or None (rules in the module docstring).

    >>> parse_answer("2 + 3 = 5, times 2 is 10. Answer: 1,234.")
    1234.0
    """
    text = _THINK.sub(" ", reply)
    marks = list(_ANSWER.finditer(text))
    if marks:
        found = _NUMBER.search(text, marks[-1].end())
        if found:
            return _to_float(found.group())
    numbers = _NUMBER.findall(text)
    return _to_float(numbers[-1]) if numbers else None


def _to_float(token: str) -> float | None:
    try:
        return float(token.replace(",", "").replace("\u2212", "-"))
    except ValueError:
        return None


class Chooser(Protocol):
    """What the ``lira`` method needs of a model: ``LiRAModel.choose``."""

    def choose(self, texts: Sequence[str], pools: Sequence[Sequence[Candidate]], *, lang: str,
               ranked: bool = True) -> list[str | None]: ...


@dataclass
class MGSMEvaluator:
    """Scores one method on ``problems`` with the solver LLM behind ``client``.

    ``translator`` gives the English candidates (``candidates`` per question) that ``translate-test`` and
    ``lira`` read; ``model`` (a ``LiRAModel``) chooses among them for ``lira``. Candidate pools are computed
    once per evaluator and shared by the methods. Calling it with a method returns ``{"main_score":
    accuracy, "accuracy", "method", "langs", "n", "n_correct", "n_unparseable", "n_failed", "n_no_text",
    "errors" (the first five item errors), "solver", "translator", "candidates", "seconds", "per_item": [{"id", "lang",
    "prompt_lang", "text", "reply", "parsed", "gold", "correct", "error"}]}``.
    """

    problems: Sequence[MathProblem]
    client: ChatClient
    translator: Translator | None = None
    model: Chooser | None = None
    candidates: int = 2
    prompt: str = DEFAULT_PROMPT
    _pools: dict[int, list[Candidate]] | None = field(default=None, init=False, repr=False)
    _pool_errors: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    primary_metric: ClassVar[str] = "accuracy"

    def __post_init__(self) -> None:
        if not self.problems:
            raise ValueError("no problems to evaluate")
        if "{question}" not in self.prompt:
            raise ValueError("prompt must contain {question}")
        if self.candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {self.candidates}")

    # -- what the solver reads -------------------------------------------------------------------------
    def _translate_one(self, text: str, lang: str) -> tuple[list[Candidate], str | None]:
        assert self.translator is not None
        try:
            return self.translator.translate([text], lang=lang, k=self.candidates)[0], None
        except EndpointError as e:
            return [], f"translation failed: {e}"

    def _candidate_pools(self) -> dict[int, list[Candidate]]:
        """The pool of every non-English problem: one batch per language; if a batch fails at the endpoint,
        each of its items is asked alone so that only the items that still fail lose their pool."""
        if self._pools is not None:
            return self._pools
        if self.translator is None:
            raise ValueError("translate-test and lira need a translator (translator=...)")
        pools: dict[int, list[Candidate]] = {}
        by_lang: dict[str, list[int]] = {}
        for i, p in enumerate(self.problems):
            if p.lang != ENGLISH:
                by_lang.setdefault(p.lang, []).append(i)
        for lang, items in by_lang.items():
            texts = [self.problems[i].question for i in items]
            results: list[tuple[list[Candidate], str | None]]
            try:
                results = [(pool, None) for pool in self.translator.translate(texts, lang=lang, k=self.candidates)]
            except EndpointError:
                with ThreadPoolExecutor(max_workers=TRANSLATE_WORKERS) as workers:
                    results = list(workers.map(self._translate_one, texts, [lang] * len(texts)))
            for i, (candidates, error) in zip(items, results, strict=True):
                pools[i] = list(candidates)
                if error or not candidates:
                    self._pool_errors[i] = error or "the translator gave no candidate"
        self._pools = pools
        return pools

    def texts(self, method: str) -> list[tuple[str | None, str, str | None]]:
        """``(text the solver reads or None, its language, why there is none)`` per problem for ``method``."""
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
        problems = self.problems
        if method == "direct":
            return [(p.question, p.lang, None) for p in problems]
        if method == "gold-english":
            return [(p.en, ENGLISH, None) if p.en else (None, ENGLISH, "no English question in the data")
                    for p in problems]
        if method == "lira" and self.model is None:
            raise ValueError("method 'lira' needs a LiRA model (model=...)")
        pools = self._candidate_pools()
        out: list[tuple[str | None, str, str | None]] = [
            (p.question, ENGLISH, None) if p.lang == ENGLISH else (None, ENGLISH, self._pool_errors.get(i))
            for i, p in enumerate(problems)]
        todo = [i for i, p in enumerate(problems) if p.lang != ENGLISH and pools[i]]
        if method == "translate-test":
            for i in todo:
                out[i] = (pools[i][0].text, ENGLISH, None)
            return out
        assert self.model is not None
        for lang in dict.fromkeys(problems[i].lang for i in todo):
            items = [i for i in todo if problems[i].lang == lang]
            chosen = self.model.choose([problems[i].question for i in items], [pools[i] for i in items],
                                       lang=lang, ranked=self.translator is None or is_ranked(self.translator))
            for i, text in zip(items, chosen, strict=True):
                out[i] = (text, ENGLISH, None) if text else (None, ENGLISH, "Arca chose no candidate")
        return out

    # -- solving and scoring ---------------------------------------------------------------------------
    def __call__(self, method: str, *, translator: Translator | None = None, progress: bool | None = None,
                 **_: Any) -> dict[str, Any]:
        """The scores of ``method`` (the class docstring lists them). ``translator`` may only repeat the
        evaluator's own: the candidate pools are computed once, with the translator it was built with."""
        if translator is not None and translator is not self.translator:
            raise ValueError("MGSMEvaluator reads the translator it was built with (MGSMEvaluator(..., "
                             "translator=...)), not one given per call")
        start = time.perf_counter()
        texts = self.texts(method)
        asks = [i for i, (text, _, _) in enumerate(texts) if text]
        replies = self.client.complete_many(
            [[{"role": "user", "content": self.prompt.format(question=texts[i][0])}] for i in asks],
            return_exceptions=True, progress=progress)
        reply_of: dict[int, list[str] | EndpointError] = dict(zip(asks, replies, strict=True))
        records: list[dict[str, Any]] = []
        errors: list[str] = []
        counts = {"n_correct": 0, "n_unparseable": 0, "n_failed": 0, "n_no_text": 0}
        for i, (p, (text, prompt_lang, why)) in enumerate(zip(self.problems, texts, strict=True)):
            record: dict[str, Any] = {"id": p.id or str(i), "lang": p.lang, "prompt_lang": prompt_lang, "text": text,
                                      "reply": None, "parsed": None, "gold": p.answer, "correct": False,
                                      "error": why}
            answer = reply_of.get(i)
            if not text:
                counts["n_no_text"] += 1
            elif isinstance(answer, EndpointError):
                counts["n_failed"] += 1
                record["error"] = str(answer)
            else:
                record["reply"] = reply = (answer or [""])[0]
                record["parsed"] = parsed = parse_answer(reply)
                record["correct"] = parsed is not None and parsed == p.answer
                counts["n_unparseable"] += parsed is None
                counts["n_correct"] += record["correct"]
            if record["error"] and len(errors) < 5:
                errors.append(f"{record['id']}: {record['error']}")
            records.append(record)
        accuracy = counts["n_correct"] / len(records)
        return {"main_score": accuracy, "accuracy": accuracy, "method": method,
                "langs": sorted({p.lang for p in self.problems}), "n": len(records), **counts, "errors": errors,
                "solver": self.client.model, "translator": getattr(self.translator, "name", None),
                "candidates": self.candidates if method in ("translate-test", "lira") else None,
                "seconds": time.perf_counter() - start, "per_item": records}
