"""A local sequence-to-sequence MT model (Marian, NLLB, M2M-100, ...) via transformers (DESIGN.md section 2, step 1).

The folder is loaded with ``AutoTokenizer`` and ``AutoModelForSeq2SeqLM`` (``local_files_only=True``).
``k`` candidates are the ``k`` best beams (``num_beams = max(num_beams, k)``, ``num_return_sequences=k``),
best first, with the beam score in ``meta["score"]``. Multilingual tokenizers with language-code tokens
get the source language set (``tokenizer.src_lang``) and the target forced as first token
(``forced_bos_token_id``): NLLB uses FLORES-200 tags (``tha_Thai``, from ``get_language(code).tag``),
M2M-100 uses ``__th__``-style tokens. Generation may not stop before one real token (``min_new_tokens``)
and stops at the decoder's ``max_position_embeddings``.
Beams that decode to the same text are merged; if every beam decodes to nothing, one empty candidate
flagged ``meta["empty"] = True`` is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from lira.languages import get_language
from lira.translators.base import Candidate


def _iso1(code: str) -> str:
    language = get_language(code)
    return next((a for a in language.aliases if len(a) == 2), language.code)


class Seq2SeqTranslator:
    """Translates with the seq2seq model in folder ``path``; candidates are named ``hf:<folder name>``.

    ``src_lang_code`` overrides the language token of the source (default: derived from ``lang``);
    ``tgt_lang_code`` names the English token (NLLB style, ``eng_Latn``).
    """

    def __init__(self, path: str | Path, *, src_lang_code: str | None = None, tgt_lang_code: str = "eng_Latn",
                 num_beams: int = 4, max_new_tokens: int = 128, batch_size: int = 8, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"Hugging Face model folder not found: {self.path}")
        if num_beams < 1 or max_new_tokens < 1 or batch_size < 1:
            raise ValueError("num_beams, max_new_tokens and batch_size must be >= 1")
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(self.path, local_files_only=True).to(device).eval()
        self.device = device
        self.src_lang_code = src_lang_code
        self.tgt_lang_code = tgt_lang_code
        self.num_beams, self.max_new_tokens, self.batch_size = num_beams, max_new_tokens, batch_size
        self.name = f"hf:{self.path.name}"
        self.forced_bos_token_id = self._target_token()

    def _token_id(self, token: str) -> int | None:
        """The id of ``token`` when the vocabulary holds it (not mapped to unknown)."""
        try:
            # a list of tokens gives a list of ids (the stub's return type is the union of both call forms)
            ids = cast(list[int | None], self.tokenizer.convert_tokens_to_ids([token]))
        except (KeyError, ValueError, TypeError):
            return None
        tid = ids[0] if ids else None
        return None if tid is None or tid == self.tokenizer.unk_token_id else int(tid)

    def _target_token(self) -> int | None:
        """``forced_bos_token_id`` for English, or None for a model without language tokens (Marian)."""
        tid = self._token_id(self.tgt_lang_code)
        if tid is None and "_" in self.tgt_lang_code:
            tid = self._token_id(f"__{_iso1(self.tgt_lang_code.split('_')[0])}__")
        return tid

    def _set_source(self, lang: str) -> str | None:
        """Set ``tokenizer.src_lang`` for a multilingual model; returns the code used (None for Marian)."""
        if self.forced_bos_token_id is None and self.src_lang_code is None:
            return None
        options = [self.src_lang_code] if self.src_lang_code else [get_language(lang).tag, _iso1(lang)]
        for code in options:
            for token in (code, f"__{code}__"):
                if self._token_id(token) is not None:
                    if hasattr(self.tokenizer, "src_lang"):
                        self.tokenizer.src_lang = code
                    return code
        raise ValueError(f"{self.name} has no language token for {lang!r} (tried {', '.join(options)}); "
                         "pass src_lang_code")

    def _generate(self, texts: list[str], k: int) -> list[list[Candidate]]:
        limit = min(int(self.tokenizer.model_max_length or 512), 1024)
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=limit,
                               return_tensors="pt").to(self.device)
        batch.pop("token_type_ids", None)
        forced = self.forced_bos_token_id
        if forced is None:
            forced = getattr(self.model.generation_config, "forced_bos_token_id", None)
        positions = getattr(self.model.config, "max_position_embeddings", None) or self.max_new_tokens
        kwargs: dict[str, Any] = {"num_beams": max(self.num_beams, k), "num_return_sequences": k,
                                  "max_new_tokens": min(self.max_new_tokens, positions - 1),
                                  "min_new_tokens": 2 if forced is not None else 1,
                                  "output_scores": True, "return_dict_in_generate": True}
        if self.forced_bos_token_id is not None:
            kwargs["forced_bos_token_id"] = self.forced_bos_token_id
        if kwargs["num_beams"] > 1:
            kwargs["early_stopping"] = True
        with self._torch.inference_mode():
            out = self.model.generate(**batch, **kwargs)
        decoded = self.tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
        scores = getattr(out, "sequences_scores", None)
        results = []
        for i in range(len(texts)):
            found: dict[str, Candidate] = {}
            for j in range(i * k, (i + 1) * k):
                text = decoded[j].strip()
                meta = {"score": float(scores[j])} if scores is not None else {}
                if text and text not in found:
                    found[text] = Candidate(text, self.name, meta=meta)
            results.append(list(found.values()) or [Candidate("", self.name, meta={"empty": True})])
        return results

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """Between 1 and ``k`` candidates per text, best beam first."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self._set_source(lang)
        out: list[list[Candidate]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._generate(list(texts[start:start + self.batch_size]), k))
        return out
