"""A Translation Critic that asks an LLM judge, as in the LiRA paper (DESIGN.md section 2, step 2).

For each source ``x`` (in ``lang``) one chat request lists all its English candidates, numbered from 1, and
asks for JSON ``{"scores": [{"candidate": 1, "semantic": s, "emotional": e, "pragmatic": p, "reason": "..."},
...]}`` with each score in [1, 10]: semantic fidelity, emotional (sentiment/tone) consistency and
pragmatic/style appropriateness for the English-speaking market. Requests for different sources run
concurrently through ``ChatClient.complete_many`` (its retries, concurrency bound and cache apply).

Answers are parsed tolerantly (``parse_judge_answer``): ``<think>`` blocks are dropped; JSON may sit in
```json fences or in prose, use single quotes or trailing commas; keys may differ in case or be synonyms
(``s``/``e``/``p``, ``fidelity``, ``sentiment``, ``style``, ...); numbers may be strings (``"8"``, ``"8/10"``);
the list may be bare or keyed by candidate number. Scores outside [1, 10] are clipped and the clipping is
noted in ``reason``. An answer that cannot be parsed or lacks a candidate's scores is asked again up to
``max_invalid_retries`` times (the conversation plus the bad answer and a reminder of the format); the
candidates still missing afterwards get the ``fallback`` critic's scores with ``valid=False`` (one warning
counts them), or, without a fallback, ``JudgeError`` is raised: no made-up neutral score hides a failure.
``EndpointError`` (after the client's bounded retries) is re-raised unless ``fallback_on_error`` and a
fallback are set, in which case the affected candidates get fallback scores and one warning counts them.

The answer needs about 40-60 tokens per candidate: set ``ChatConfig.max_tokens`` accordingly (a cut-off
answer is invalid). Reference: LiRA (Linguistic Robust Anchoring), Arca's Translation Critic.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lira.arca.translation_critic import SCORE_MAX, SCORE_MIN, CriticScores, TranslationCritic
from lira.languages import get_language
from lira.translators.base import Candidate
from lira.translators.chat import ChatClient, EndpointError

SYSTEM_PROMPT = ("You are a careful bilingual translation judge. You rate English translations strictly and "
                 "consistently, and you answer with JSON only.")
USER_PROMPT = """\
Rate each English translation of the {language} source text below on three axes, each an integer from \
1 (worst) to 10 (best):
- semantic: semantic fidelity. Does the translation keep the source's meaning, facts, names, numbers and \
attributes, with nothing added, lost or distorted?
- emotional: emotional consistency. Does it keep the source's sentiment (positive, negative or neutral), its \
intensity and its tone?
- pragmatic: pragmatic appropriateness. Is it natural, fluent English in a register and style that suits the \
text's purpose (for example a product title, review or search query) for an English-speaking market, with no \
untranslated words?

Source text ({language}):
{source}

{k} English translation(s):
{candidates}

Answer with JSON only, with one entry for each of the {k} translation(s), in this form:
{format}"""
FORMAT = ('{"scores": [{"candidate": 1, "semantic": 8, "emotional": 9, "pragmatic": 7, '
          '"reason": "one short sentence"}, ...]}')
REMINDER = ("Your answer could not be used: {problem}. Reply again with JSON only, with one entry for each "
            "candidate number from 1 to {k}, each score a number from 1 to 10, in exactly this form:\n{format}")


class JudgeError(RuntimeError):
    """The judge gave no usable scores for source ``index`` (``answer`` is its last answer, truncated)."""

    def __init__(self, message: str, *, index: int, answer: str) -> None:
        self.index, self.answer = index, answer
        super().__init__(message)


@dataclass(frozen=True)
class LLMJudgeConfig:
    """How the judge is asked and how failures are handled.

    ``max_invalid_retries``: re-asks after an unusable answer. ``fallback_on_error``: use the fallback critic
    for sources whose request fails (``EndpointError``) instead of raising. ``temperature``: ``None`` keeps
    the client's. ``max_reason_chars`` truncates the judge's reason and ``max_answer_chars_in_error`` the
    answer quoted by ``JudgeError``. ``user_prompt`` needs ``{language}``, ``{source}``, ``{candidates}`` and
    ``{format}`` (``{k}`` optional). ``progress``: the client's tqdm bar.
    ``name`` overrides ``llm-judge:<model>``.
    """

    max_invalid_retries: int = 2
    fallback_on_error: bool = True
    temperature: float | None = None
    max_reason_chars: int = 200
    max_answer_chars_in_error: int = 300
    system_prompt: str = SYSTEM_PROMPT
    user_prompt: str = USER_PROMPT
    progress: bool | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.max_invalid_retries < 0:
            raise ValueError(f"max_invalid_retries must be >= 0, got {self.max_invalid_retries}")
        missing = [f for f in ("{language}", "{source}", "{candidates}", "{format}") if f not in self.user_prompt]
        if missing:
            raise ValueError(f"user_prompt lacks the field(s) {', '.join(missing)} (it may also use {{k}})")


# --- tolerant parsing -------------------------------------------------------------------------------------

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n?(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_NUMBER = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)")
_INDEX = re.compile(r"^\s*(?:#|no\.?|candidate|translation|cand\.?)?\s*[#_-]?\s*(\d+)\s*$", re.IGNORECASE)

AXES = ("semantic", "emotional", "pragmatic")
_AXIS_EXACT = {
    "s": "semantic", "sem": "semantic", "fidelity": "semantic", "meaning": "semantic", "accuracy": "semantic",
    "adequacy": "semantic",
    "e": "emotional", "emo": "emotional", "sentiment": "emotional", "tone": "emotional",
    "p": "pragmatic", "prag": "pragmatic", "style": "pragmatic", "appropriateness": "pragmatic",
    "register": "pragmatic",
}
_AXIS_PREFIX = (("semantic", "semantic"), ("fidelity", "semantic"), ("emotion", "emotional"),
                ("sentiment", "emotional"), ("tone", "emotional"), ("pragmatic", "pragmatic"),
                ("style", "pragmatic"))
_INDEX_KEYS = {"candidate", "candidateid", "candidateindex", "candidatenumber", "candidateno", "id", "index",
               "idx", "n", "no", "number", "num", "k", "translation", "translationid", "translationnumber", "item"}
_REASON_KEYS = {"reason", "reasoning", "rationale", "explanation", "comment", "comments", "justification",
                "note", "notes", "why"}
_LIST_KEYS = {"scores", "score", "results", "result", "candidates", "evaluations", "evaluation", "ratings",
              "judgments", "judgements", "translations", "items", "assessments"}
_VALUE_KEYS = ("score", "value", "rating")


def _norm(key: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def _axis(key: Any) -> str | None:
    k = _norm(key)
    if k in _AXIS_EXACT:
        return _AXIS_EXACT[k]
    for prefix, axis in _AXIS_PREFIX:
        if k.startswith(prefix):
            return axis
    return None


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = _INDEX.match(value)
        return int(m.group(1)) if m else None
    return None


def _number(value: Any) -> float | None:
    """A finite number from a number, a numeric string (``"8"``, ``"8/10"``) or ``{"score": 8}``."""
    if isinstance(value, dict):
        for key, v in value.items():
            if _norm(key) in _VALUE_KEYS:
                return _number(v)
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        m = _NUMBER.match(value)
        return float(m.group(1)) if m else None
    return None


def _balanced_end(text: str, start: int) -> int | None:
    """The index after the bracket closing ``text[start]`` (``{`` or ``[``), skipping quoted strings."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":  # double quotes (JSON) or single quotes (a Python-style dict)
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _loads(blob: str) -> Any:
    """``blob`` as JSON, JSON without trailing commas, or a Python literal; raises ValueError."""
    for attempt in (blob, _TRAILING_COMMA.sub(r"\1", blob)):
        try:
            return json.loads(attempt)
        except ValueError:
            pass
    try:
        return ast.literal_eval(_TRAILING_COMMA.sub(r"\1", blob))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("not JSON") from None


def _values(text: str) -> list[Any]:
    """The JSON values in ``text``: the whole text, or each top-level ``{...}``/``[...]`` that parses."""
    text = text.strip()
    try:
        return [_loads(text)]
    except ValueError:
        pass
    found, i = [], 0
    while i < len(text):
        if text[i] in "{[":
            end = _balanced_end(text, i)
            if end is not None:
                try:
                    found.append(_loads(text[i:end]))
                    i = end
                    continue
                except ValueError:
                    pass
        i += 1
    return found


def _flatten(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with nested non-axis dicts (``{"scores": {"s": 8, ...}}``) merged one level up."""
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, dict) and _axis(key) is None:
            for k2, v2 in value.items():
                flat.setdefault(k2, v2)
        else:
            flat.setdefault(key, value)
    return flat


def _entries(value: Any) -> list[tuple[int | None, Any]]:
    """``(explicit candidate number or None, entry)`` pairs found in a parsed value, in order."""
    if isinstance(value, list):
        out: list[tuple[int | None, Any]] = []
        for item in value:
            if isinstance(item, dict):
                flat = _flatten(item)
                idx = next((_index(v) for k, v in flat.items() if _norm(k) in _INDEX_KEYS and _index(v) is not None),
                           None)
                out.append((idx, flat))
            elif isinstance(item, list) and len(item) == 3:
                out.append((None, dict(zip(AXES, item, strict=True))))
        return out
    if not isinstance(value, dict):
        return []
    for key, inner in value.items():
        if _norm(key) in _LIST_KEYS and (isinstance(inner, list) or _keyed(inner)):
            found = _entries(inner)
            if found:
                return found
    if _keyed(value):
        return [(_index(k), _flatten(v)) for k, v in value.items()]
    if any(_axis(k) for k in _flatten(value)):
        return _entries([value])
    return []


def _keyed(value: Any) -> bool:
    """Whether ``value`` is a dict of candidate number -> entry (``{"1": {...}, "2": {...}}``)."""
    return (isinstance(value, dict) and bool(value)
            and all(_index(k) is not None and isinstance(v, dict) for k, v in value.items()))


def _scores(entry: dict[str, Any], max_reason_chars: int) -> tuple[CriticScores | None, str]:
    """The scores of one entry, or None and the problem."""
    values: dict[str, float] = {}
    reason = ""
    for key, raw in entry.items():
        axis = _axis(key)
        if axis is not None and axis not in values:
            number = _number(raw)
            if number is not None:
                values[axis] = number
        elif _norm(key) in _REASON_KEYS and isinstance(raw, str) and not reason:
            reason = " ".join(raw.split())[:max_reason_chars]
    lacking = [a for a in AXES if a not in values]
    if lacking:
        return None, f"no {'/'.join(lacking)} score"
    notes = []
    for axis in AXES:
        v = values[axis]
        if not SCORE_MIN <= v <= SCORE_MAX:
            clipped = min(max(v, SCORE_MIN), SCORE_MAX)
            notes.append(f"{axis} {v:g} clipped to {clipped:g}")
            values[axis] = clipped
    reason = "; ".join([r for r in (reason, *notes) if r])
    return CriticScores(values["semantic"], values["emotional"], values["pragmatic"], reason=reason), ""


def _assign(entries: list[tuple[int | None, Any]], k: int,
            max_reason_chars: int) -> tuple[dict[int, CriticScores], list[str]]:
    """Scores by 0-based candidate index from ``entries`` (numbered from 1, or from 0 when 0 occurs)."""
    explicit = [i for i, _ in entries if i is not None]
    offset = 0 if explicit and min(explicit) == 0 and max(explicit) < k else 1
    out: dict[int, CriticScores] = {}
    problems: list[str] = []
    for position, (idx, entry) in enumerate(entries):
        j = (idx - offset) if idx is not None else position
        if not 0 <= j < k or j in out:
            continue
        scores, problem = _scores(entry, max_reason_chars)
        if scores is None:
            problems.append(f"candidate {j + 1}: {problem}")
        else:
            out[j] = scores
    return out, problems


def parse_judge_answer(answer: str, k: int, *, max_reason_chars: int = 200) -> tuple[dict[int, CriticScores], str]:
    """Parse a judge's answer for ``k`` candidates.

    Returns the scores found, by 0-based candidate index, and a description of what is wrong ("" when all
    ``k`` candidates are scored). Fenced blocks are tried first, then the whole answer; the reading that
    scores the most candidates wins.
    """
    text = _THINK.sub("", answer or "").strip()
    if not text:
        return {}, "the answer is empty"
    segments = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    best: dict[int, CriticScores] = {}
    best_problems: list[str] = []
    any_json = False
    for segment in segments:
        values = _values(segment)
        any_json = any_json or bool(values)
        entries = [e for v in values for e in _entries(v)]
        got, problems = _assign(entries, k, max_reason_chars)
        if len(got) > len(best) or (not best and problems and not best_problems):
            best, best_problems = got, problems
        if len(best) == k:
            break
    if len(best) == k:
        return best, ""
    if not any_json:
        return best, "no JSON object found in the answer"
    missing = [str(j + 1) for j in range(k) if j not in best]
    details = "; ".join(best_problems[:3])
    return best, f"no usable scores for candidate(s) {', '.join(missing)}" + (f" ({details})" if details else "")


# --- the critic -------------------------------------------------------------------------------------------


class LLMJudgeCritic:
    """Scores translation candidates with an LLM judge behind an OpenAI-compatible chat endpoint.

    Inputs: ``client`` (a ``ChatClient``), ``config`` and an optional ``fallback`` critic used, with
    ``valid=False``, for candidates whose answer stays unusable or whose request fails.
    Output of ``score``: ``out[i][j]`` are the scores of ``candidates[i][j]``.
    """

    def __init__(self, client: ChatClient, *, config: LLMJudgeConfig | None = None,
                 fallback: TranslationCritic | None = None) -> None:
        self.client = client
        self.config = config or LLMJudgeConfig()
        self.fallback = fallback
        self.name = self.config.name or f"llm-judge:{client.model}"

    def messages(self, source: str, candidates: Sequence[Candidate], lang: str) -> list[dict[str, str]]:
        """The chat messages that ask for the scores of ``candidates`` of ``source`` (in ``lang``)."""
        listed = "\n".join(f"Candidate {j}: {c.text}" for j, c in enumerate(candidates, 1))
        user = self.config.user_prompt.format(language=get_language(lang).name, source=source,
                                              candidates=listed, k=len(candidates), format=FORMAT)
        return [{"role": "system", "content": self.config.system_prompt}, {"role": "user", "content": user}]

    def _reask(self, base: list[dict[str, str]], answer: str, problem: str, k: int) -> list[dict[str, str]]:
        reminder = REMINDER.format(problem=problem, k=k, format=FORMAT)
        return [*base, {"role": "assistant", "content": answer}, {"role": "user", "content": reminder}]

    def score(self, sources: Sequence[str], candidates: Sequence[Sequence[Candidate]], *,
              lang: str) -> list[list[CriticScores]]:
        """Scores for every candidate of every source (see the class docstring).

        Raises ``JudgeError`` (no fallback, unusable answers after the retries) or ``EndpointError``
        (request failed and no fallback or ``fallback_on_error=False``).
        """
        if len(sources) != len(candidates):
            raise ValueError(f"{len(sources)} sources but {len(candidates)} candidate lists")
        cfg = self.config
        base = [self.messages(s, c, lang) if c else [] for s, c in zip(sources, candidates, strict=True)]
        got: list[dict[int, CriticScores]] = [{} for _ in sources]
        answers: list[str] = ["" for _ in sources]
        problems: list[str] = ["" for _ in sources]
        failed: dict[int, EndpointError] = {}
        tolerate = cfg.fallback_on_error and self.fallback is not None
        pending = [i for i, c in enumerate(candidates) if c]
        for attempt in range(cfg.max_invalid_retries + 1):
            if not pending:
                break
            asks = [base[i] if attempt == 0 else self._reask(base[i], answers[i], problems[i], len(candidates[i]))
                    for i in pending]
            outs = self.client.complete_many(asks, temperature=cfg.temperature, return_exceptions=tolerate,
                                             progress=cfg.progress)
            still = []
            for i, out in zip(pending, outs, strict=True):
                if isinstance(out, EndpointError):
                    failed[i] = out
                    continue
                answers[i] = out[0] if out else ""
                parsed, problems[i] = parse_judge_answer(answers[i], len(candidates[i]),
                                                         max_reason_chars=cfg.max_reason_chars)
                got[i].update(parsed)
                if len(got[i]) < len(candidates[i]):
                    problems[i] = problems[i] or "incomplete answer"
                    still.append(i)
            pending = still
        invalid = pending
        if invalid and self.fallback is None:
            i = invalid[0]
            shown = answers[i][:cfg.max_answer_chars_in_error]
            raise JudgeError(f"{self.name}: no usable judge answer for source {i} after "
                             f"{cfg.max_invalid_retries + 1} attempt(s) ({problems[i]}); "
                             f"{len(invalid)} source(s) affected; last answer: {shown!r}", index=i, answer=shown)
        why = {i: f"endpoint error: {failed[i].cause or failed[i]}" for i in failed}
        why.update({i: f"invalid judge answer after {cfg.max_invalid_retries + 1} attempt(s): {problems[i]}"
                    for i in invalid})
        if why:
            self._fill_from_fallback(sources, candidates, got, why, lang=lang)
            for kind, items in (("endpoint", sorted(failed)), ("invalid", invalid)):
                if not items:
                    continue
                n = sum(1 for i in items for s in got[i].values() if not s.valid)
                first = why[items[0]]
                what = "its requests failed" if kind == "endpoint" else "its answers stayed unusable"
                warnings.warn(f"{self.name}: {n} item(s) of {len(items)} source(s) scored by the fallback critic "
                              f"{getattr(self.fallback, 'name', type(self.fallback).__name__)} (valid=False) "
                              f"because {what}; first: source {items[0]}: {first}", stacklevel=2)
        return [[got[i][j] for j in range(len(candidates[i]))] for i in range(len(sources))]

    def _fill_from_fallback(self, sources: Sequence[str], candidates: Sequence[Sequence[Candidate]],
                            got: list[dict[int, CriticScores]], why: dict[int, str], *, lang: str) -> None:
        """Fill the missing candidates of the sources in ``why`` with the fallback's scores, ``valid=False``."""
        if self.fallback is None:
            raise RuntimeError("no fallback critic")
        order = sorted(why)
        missing = {i: [j for j in range(len(candidates[i])) if j not in got[i]] for i in order}
        order = [i for i in order if missing[i]]
        if not order:
            return
        scored = self.fallback.score([sources[i] for i in order],
                                     [[candidates[i][j] for j in missing[i]] for i in order], lang=lang)
        if len(scored) != len(order) or any(len(s) != len(missing[i]) for s, i in zip(scored, order, strict=False)):
            raise ValueError(f"fallback critic {self.fallback.name} returned scores of the wrong shape")
        for i, row in zip(order, scored, strict=True):
            for j, s in zip(missing[i], row, strict=True):
                reason = f"fallback: {why[i]}" + (f"; {self.fallback.name}: {s.reason}" if s.reason else "")
                got[i][j] = replace(s, reason=reason, valid=False)
