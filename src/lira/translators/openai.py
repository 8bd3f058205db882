"""Translation by an LLM behind an OpenAI-compatible chat endpoint (DESIGN.md section 2, step 1).

Each text is sent as one user message built from ``prompt`` (``{language}`` is the source language's
English name, ``{text}`` the text). ``k`` candidates come from one request with ``n=k``; when the server
returns fewer distinct answers (llama.cpp and Ollama ignore ``n``), up to ``k - 1`` further requests for
the missing ones are made at temperature 0.7, each with its own ``seed`` so that cached answers differ.
Answers are cleaned (``<think>`` blocks, a ``Translation:``/``English:`` prefix, surrounding quotes and,
for a one-line source, anything after the first line are removed) and deduplicated. A text whose answers
are all empty raises ``EndpointError``: an empty answer is never an empty candidate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lira.languages import get_language
from lira.translators.base import Candidate
from lira.translators.chat import ChatClient, EndpointError

DEFAULT_PROMPT = ("Translate the following {language} text into English. Reply with the English translation "
                  "only, without notes or quotes.\n\n{text}")
PAD_TEMPERATURE = 0.7
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:english\s+translation|translation|english)(?:\*\*)?\s*:\s*(?:\*\*)?\s*",
                     re.IGNORECASE)
_QUOTES = (('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"), ("\u00ab", "\u00bb"),
           ("\u300c", "\u300d"), ("`", "`"))


def clean_answer(answer: str, *, one_line: bool = True) -> str:
    """``answer`` without reasoning blocks, a ``Translation:`` prefix or surrounding quotes."""
    text = _THINK.sub("", answer).strip()
    if one_line:
        text = next((line for line in text.splitlines() if line.strip()), "")
    text = _PREFIX.sub("", text.strip()).strip()
    changed = True
    while changed and len(text) >= 2:
        changed = False
        for left, right in _QUOTES:
            if text.startswith(left) and text.endswith(right):
                text, changed = text[len(left):len(text) - len(right)].strip(), True
    return text


class OpenAITranslator:
    """Asks a chat model for English translations; candidates are named ``openai:<model>``."""

    def __init__(self, client: ChatClient, *, name: str | None = None, prompt: str = DEFAULT_PROMPT) -> None:
        if "{text}" not in prompt:
            raise ValueError("prompt must contain {text} (and may contain {language})")
        self.client = client
        self.name = name or f"openai:{client.model}"
        self.prompt = prompt

    def messages(self, text: str, lang: str) -> list[dict[str, str]]:
        """The chat messages that ask for ``text``'s translation."""
        return [{"role": "user", "content": self.prompt.format(language=get_language(lang).name, text=text)}]

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """Between 1 and ``k`` distinct candidates per text, in the server's order.

        Raises ``EndpointError`` when a request fails for good or a text gets only empty answers.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        asks = [self.messages(t, lang) for t in texts]
        answers: list[list[str]] = [[] for _ in texts]

        def add(i: int, raw: Sequence[str]) -> None:
            for a in raw:
                a = clean_answer(a, one_line="\n" not in texts[i].strip())
                if a and a not in answers[i] and len(answers[i]) < k:
                    answers[i].append(a)

        for i, raw in enumerate(self.client.complete_many(asks, n=k)):
            add(i, raw)  # type: ignore[arg-type]
        for seed in range(1, k):
            short = [i for i in range(len(texts)) if len(answers[i]) < k]
            if not short:
                break
            by_need: dict[int, list[int]] = {}
            for i in short:
                by_need.setdefault(k - len(answers[i]), []).append(i)
            for need, items in by_need.items():
                raws = self.client.complete_many([asks[i] for i in items], n=need, temperature=PAD_TEMPERATURE,
                                                 seed=seed)
                for i, raw in zip(items, raws, strict=True):
                    add(i, raw)  # type: ignore[arg-type]
        for i, found in enumerate(answers):
            if not found:
                raise EndpointError(f"{self.name} returned only empty answers for text {i} "
                                    f"({texts[i][:60]!r})", url=self.client.url, attempts=1,
                                    cause="empty answer")
        return [[Candidate(a, self.name) for a in found] for found in answers]
