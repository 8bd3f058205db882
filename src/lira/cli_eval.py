"""``lira eval <task>``: score a saved model or a baseline on data in LiRA's formats (bitext, STS, NLI,
multiple choice, classification, retrieval), on candidate choice (``arca``) and on MGSM through an LLM endpoint."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from lira.backbones import DEFAULT_ENGLISH
from lira.cli_options import CacheDirOpt, MultilingualOpt, read_texts, writable_file
from lira.cli_options import fail as _fail

if TYPE_CHECKING:
    from lira.evaluation.base import Evaluator
    from lira.translators.base import Translator

eval_app = typer.Typer(help="Score a model or baseline on data in LiRA's formats.", no_args_is_help=True)

MethodOpt = Annotated[str, typer.Option(
    "--model", help="What to score: frozen, translate-test, dual-path, distilled:DIR, or a model folder (a LiRA "
                    "model or a distilled student).")]
EnglishOpt = Annotated[str, typer.Option(help="English backbone spec (translate-test, dual-path).")]
TranslationsOpt = Annotated[Path | None, typer.Option(
    exists=True, help="Parallel file (text, en, en_2... or translations) giving the English of the source texts, "
                      "or a Hugging Face dataset folder (save_to_disk); default: the data's own English columns.")]
TranslatorOpt = Annotated[str | None, typer.Option(
    help="Translator spec giving the English of the source texts (lexicon, openai:MODEL@URL, ...), as `lira serve` "
         "reads it; in place of --translations and the data's English columns.")]
LangOpt = Annotated[str | None, typer.Option(help="Language of the rows without a lang column.")]
OutOpt = Annotated[Path | None, typer.Option(help="Write the results as JSON here.", callback=writable_file)]
ItemsOpt = Annotated[bool, typer.Option("--items", help="Keep the per-item scores (and the items' ids) in --out.")]
TrainOpt = Annotated[Path | None, typer.Option(
    exists=True, help="Training file of the probe (any languages), or a Hugging Face dataset folder (its train "
                      "split); optional for a LiRA model trained for the task.")]
TestOpt = Annotated[Path, typer.Option(exists=True, help="Test file (.jsonl, .tsv or .csv), or a Hugging Face "
                                                         "dataset folder (save_to_disk; its test split).")]
ColumnOpt = Annotated[list[str] | None, typer.Option(
    "--column", help="FIELD=COLUMN: read LiRA's field (text, en, label, premise...) from another column; "
                     "repeatable, for files and dataset folders.")]


def _columns(columns: list[str] | None) -> dict[str, str]:
    from lira.data.hf_datasets import parse_columns

    try:
        return parse_columns(columns)
    except ValueError as e:
        _fail(str(e))
    return {}


def _input(path: Path, columns: list[str] | None, prefer: str) -> Any:
    """A data option's value as a loader input: the file, or a dataset folder (a DatasetDict's ``prefer`` split,
    else its only one), read with the ``--column`` mapping."""
    from lira.data.hf_datasets import dataset_source, is_dataset_folder, with_columns

    mapping = _columns(columns)
    if is_dataset_folder(path):
        return dataset_source(path, prefer=(prefer,), columns=mapping)
    return with_columns(path, mapping) if mapping else path


def _load_method(spec: str, backbone: str | None, english: str, cache_dir: Path | None) -> Any:
    from lira.evaluation.methods import load_method

    try:
        return load_method(spec, backbone=backbone, english=english, cache_dir=cache_dir)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e))


def _code(lang: str | None) -> str | None:
    from lira.languages import UnknownLanguageError, normalize_code

    try:
        return normalize_code(lang) if lang else None
    except UnknownLanguageError as e:
        _fail(str(e))
    return None


def _warn(message: str) -> None:
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def _by_lang(items: list, key: Callable[[Any], str]) -> dict[str, list]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


class _English:
    """Where a command's English comes from: ``--translations`` (read once) or ``--translator`` (a spec, loaded per
    language), else the data's own columns, else a LiRA model's configured translator; warns about what is
    missing, once per language."""

    def __init__(self, method: Any, translations: Path | None, translator: str | None = None) -> None:
        from lira.evaluation.methods import load_translation_pairs
        from lira.evaluation.translations import needs_translations

        if translations is not None and translator is not None:
            _fail("give --translations or --translator, not both")
        self.method, self.file, self.spec = method, translations, translator
        self.reads = needs_translations(method)
        try:
            self.file_pairs = load_translation_pairs(translations) if translations else None
        except ValueError as e:
            _fail(str(e))

    def source(self) -> str | None:
        return str(self.file) if self.file else self.spec

    def __call__(self, lang: str, data_pairs: Iterable[tuple[str, Any]], texts: Iterable[str],
                 aliases: Iterable[tuple[str, str, Callable[[str], str]]] = ()) -> Any:
        """The translator for one language: ``data_pairs`` are the data's ``(text, english)``, ``texts`` those the
        evaluation reads, ``aliases`` ``(text, key, rewrite)``: ``text`` is served the file's English of ``key``,
        rewritten (a choice premise read with its question)."""
        from lira.evaluation.methods import coverage_warning, method_name, translator_from_pairs

        if not self.reads:
            return None
        if self.spec is not None:
            from lira.translators import load_translator

            try:
                return load_translator(self.spec, lang=lang)
            except ValueError as e:  # a spec of no known form, or a built-in lexicon without this language
                _fail(f"--translator: {e}")
        if self.file_pairs is not None:
            table = dict(self.file_pairs)
            extra = [(text, [rewrite(e) for e in table[key]]) for text, key, rewrite in aliases if key in table]
            translator, source = translator_from_pairs([*self.file_pairs, *extra]), str(self.file)
        else:
            translator, source = translator_from_pairs(data_pairs), "the data's English columns"
        if translator is None and callable(getattr(self.method, "translator", None)):
            translator = self.method.translator(lang)  # a LiRA model's configured translator (None for "none")
            if translator is not None:
                return translator
        if translator is None:
            fallback = "LiRA's stand-in fills the English slot" if hasattr(self.method, "choose") else \
                "the source text stands in"
            _warn(f"{method_name(self.method)} reads English translations, but there are none for {lang} (no "
                  f"--translations, no English column in the data, no translator of its own): {fallback}")
        elif message := coverage_warning(translator, texts, source=source, lang=lang):
            _warn(message)
        return translator


def _all_row(results: dict[str, dict], pooled: Sequence[str], averaged: Sequence[str], n: str = "n",
             same: Sequence[str] = ()) -> dict:
    """``pooled`` metrics weighted by each language's ``n``; ``averaged`` ones the mean over languages; ``same``
    fields (equal in every language) copied."""
    total = sum(r[n] for r in results.values())
    row: dict[str, Any] = {n: total, **{f: next(iter(results.values()))[f] for f in same}}
    row |= {m: sum(r[m] * r[n] for r in results.values()) / total for m in pooled}
    row |= {m: float(np.mean([r[m] for r in results.values()])) for m in averaged}
    return row


def _report(task: str, results: dict[str, dict], columns: list[str], *, pooled: Sequence[str] = (),
            averaged: Sequence[str] = (), n: str = "n", same: Sequence[str] = (), out: Path | None, items: bool,
            meta: dict) -> None:
    """Print one markdown row per language (and an ``all`` row over several) and write ``--out``."""
    from lira.demo import markdown_table

    overall = _all_row(results, pooled, averaged, n, same) if len(results) > 1 and (pooled or averaged) else None
    rows = [{"lang": k, **v} for k, v in results.items()]
    if overall:
        rows.append({"lang": "all", **overall})
    typer.echo(markdown_table(rows, ["lang", *columns]))
    if out:
        from lira.io import write_json

        kept = {k: {f: v for f, v in r.items() if items or f not in ("items", "ids", "gold", "per_query")}
                for k, r in results.items()}
        write_json(out, {"task": task, **meta, "results": kept, **({"all": overall} if overall else {})})


def _score(evaluator: Any, method: Any, translator: Any) -> dict[str, Any]:
    from lira.evaluation.translations import candidates_for

    try:
        return evaluator(method, translator=translator, k=candidates_for(method))
    except ValueError as e:  # bad labels, a probe without two classes, ...
        _fail(str(e))
    return {}


def _meta(model: str, method: Any, english: _English, **data: Path | None) -> dict[str, Any]:
    from lira.evaluation.methods import method_name

    return {"method": model, "method_name": method_name(method),
            "translations": english.source() or "data", "data": {k: str(v) if v else None for k, v in data.items()}}


def _needs_train(method: Any, task: str, train: Path | None, n_train: int = 0) -> None:
    """Fail when ``method`` fits a probe and there is no ``train`` file, or it holds no (``n_train``) examples."""
    from lira.evaluation.methods import method_name

    if getattr(method, "task", None) == task:
        return
    if train is None:
        _fail(f"--train FILE is required: {method_name(method)} is scored through a probe fitted on training data "
              f"(only a LiRA model trained for {task} predicts without one)")
    if not n_train:
        _fail(f"{train}: no examples; {method_name(method)} needs training examples for its probe")


# ------------------------------------------------------------------------ the commands of each task type
# One ``EvalType`` per task type (``TaskSpec.type``) whose data a user can bring in a file: the command's name,
# its record loader, its options (names of the shared ``OPTIONS`` or options of its own, in the order ``--help``
# lists them) and the function that runs it; its evaluator class is ``lira.evaluation.registry``'s. The loop
# below makes one ``lira eval`` command of each, so a new task type is one entry. MGSM (an LLM endpoint, the
# benchmark's own data) and ``arca`` (a training run's held-out data) read no user file and stay hand-written below.

@dataclass(frozen=True)
class Opt:
    """One command option: its parameter ``name``, its typer ``annotation`` and its ``default`` (none: required)."""

    name: str
    annotation: Any
    default: Any = inspect.Parameter.empty


OPTIONS: dict[str, Opt] = {o.name: o for o in (
    Opt("test", TestOpt), Opt("train", TrainOpt, None), Opt("lang", LangOpt, None),
    Opt("model", MethodOpt, "frozen"), Opt("translations", TranslationsOpt, None),
    Opt("translator", TranslatorOpt, None),
    Opt("backbone", MultilingualOpt, None), Opt("english", EnglishOpt, DEFAULT_ENGLISH),
    Opt("cache_dir", CacheDirOpt, None), Opt("out", OutOpt, None), Opt("items", ItemsOpt, False),
    Opt("column", ColumnOpt, None))}
# The options every file-reading command takes after its data options, in this order.
SHARED = ("lang", "model", "translations", "translator", "backbone", "english", "cache_dir", "out", "items", "column")
PROBE_DATA = ("test", "train")


def _ref(path: str) -> Any:
    """The object ``module:name`` names, imported when a command runs (so that ``lira --help`` stays fast)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True, kw_only=True)
class EvalType:
    """The ``lira eval`` command of one task type: ``command`` (its name), ``loader`` (``module:name`` of the
    ``lira.data.loaders`` function that reads a user's file), ``options`` (names in ``OPTIONS`` or an ``Opt`` of its
    own) and ``run(entry, **options)``; its evaluator class is ``lira.evaluation.registry``'s for ``task_type``."""

    task_type: str
    command: str
    loader: str
    options: tuple[str | Opt, ...]
    run: Callable[..., None]

    def evaluator_class(self) -> Callable[..., Evaluator]:
        """The evaluator class of the task type, called with the data it scores."""
        from lira.evaluation.registry import evaluator_for

        return evaluator_for(self.task_type)

    def load(self, *args: Any, **kwargs: Any) -> Any:
        """The records (or dataset) of a user's data, read by ``loader``."""
        return _ref(self.loader)(*args, **kwargs)

    def parameters(self) -> list[Opt]:
        return [OPTIONS[o] if isinstance(o, str) else o for o in self.options]


def _run_retrieval(entry: EvalType, *, data: str, lang: list[str] | None, split: str, backbone: str | None,
                   out: Path | None, cache_dir: Path | None, model: str, english: str, translations: Path | None,
                   translator: str | None, items: bool, column: list[str] | None) -> None:
    """nDCG@10, Recall@1/10/100 and MRR@10 of a method (default: the frozen --backbone) on a retrieval set (a
    BEIR folder, or a Hugging Face DatasetDict folder with splits corpus, queries and qrels splits). Queries read
    --translations or their own en field; documents their en field."""
    from lira.data.products import PRODUCT_LANGS, load_products
    from lira.evaluation.methods import method_name, parse_method
    from lira.retrieval.metrics import METRICS

    if data != "products" and not lang:
        _fail("--lang is required for a BEIR folder")
    if data != "products" and lang and len(lang) > 1:  # its queries carry no language: each would count per --lang
        _fail(f"a BEIR folder holds the queries of one language; got --lang {' --lang '.join(lang)}: score each "
              "language's folder in its own run")
    if data == "products" and column:
        _fail("--column maps the columns of a BEIR folder or dataset, not of the built-in product set")
    langs = lang or list(PRODUCT_LANGS)
    encoder = _load_method(model, backbone, english, cache_dir)
    source = _English(encoder, translations, translator)
    results: dict[str, Any] = {}
    for code in langs:
        dataset = load_products(code) if data == "products" else entry.load(data, lang=code, columns=_columns(column))
        if split not in dataset.qrels:
            _fail(f"{dataset.name}: no split {split!r}; available: {', '.join(sorted(dataset.qrels))}")
        queries, _ = dataset.split(split)
        _check_judged(data, split, dataset)
        translator = source(dataset.lang, [(q.text, q.en) for q in queries.values()],
                            [q.text for q in queries.values()])
        results[dataset.lang] = _score(entry.evaluator_class()(dataset, split=split), encoder, translator)
    _report("retrieval", results, ["n_queries", *METRICS], averaged=METRICS, n="n_queries", out=out, items=items,
            meta={"data": data, "split": split, "method": model,
                  "backbone": (method_name(encoder) if model == "frozen"
                               else parse_method(model).backbones(backbone, english)[0]),
                  "translations": source.source() or "data"})


def _check_judged(data: str, split: str, dataset: Any) -> None:
    """Fail when ``split`` of the retrieval set ``data`` (``dataset``, a ``RetrievalDataset``) judges no query;
    warn when some of its queries are judged in no split (they are never scored, as in BEIR)."""
    from lira.data.hf_datasets import is_beir_dataset

    if data == "products":
        queries, qrels = "the product set's queries", f"its {split} qrels"
    elif is_beir_dataset(data):
        queries, qrels = f"{data} split 'queries'", f"{data} split {split!r}"
    else:
        queries, qrels = str(Path(data, "queries.jsonl")), str(Path(data, "qrels", f"{split}.tsv"))
    if not dataset.qrels[split]:
        _fail(f"{qrels}: no judged query for split {split!r}; nothing to score (add query-id, corpus-id, score rows)")
    judged = set().union(*dataset.qrels.values())  # the ids of the queries some split judges
    unjudged = [q for q in dataset.queries if q not in judged]
    if unjudged:
        where = qrels if len(dataset.qrels) == 1 else f"any split ({', '.join(sorted(dataset.qrels))})"
        _warn(f"{len(unjudged)} of {len(dataset.queries)} queries in {queries} have no judgement in {where}; they "
              "are not scored")


def _run_bitext(entry: EvalType, *, src: Path | None, tgt: Path | None, pairs: Path | None, lang: str | None,
                model: str, translations: Path | None, translator: str | None, backbone: str | None, english: str,
                cache_dir: Path | None, out: Path | None, items: bool, column: list[str] | None, scoring: str,
                margin_k: int) -> None:
    """Bitext mining: each source sentence's nearest English sentence, by cosine or by margin (--scoring);
    accuracy (main) and F1 per language."""
    from lira.data.formats import ParallelExample
    from lira.evaluation.bitext import SCORINGS

    if scoring not in SCORINGS:
        _fail(f"unknown --scoring {scoring!r}; valid: {', '.join(SCORINGS)}")
    if (pairs is not None and (src or tgt)) or (pairs is None and (src is None or tgt is None)):
        _fail("give --src FILE and --tgt FILE (line-aligned), or --pairs FILE")
    code = _code(lang)
    if pairs is not None:
        examples = entry.load(_input(pairs, column, "test"), lang=code)
    else:
        assert src is not None and tgt is not None
        if code is None:
            _fail("--lang is required with --src/--tgt")
        sources, targets = read_texts(src, "text"), read_texts(tgt, "text")
        if len(sources) != len(targets):
            _fail(f"{src} has {len(sources)} texts but {tgt} has {len(targets)}; they must be line-aligned")
        examples = [ParallelExample(lang=str(code), text=s, en=t, id=f"{src.name}:{i}")
                    for i, (s, t) in enumerate(zip(sources, targets, strict=True), 1)]
    if not examples:
        _fail(f"{pairs}: no sentence pairs")
    if model in ("translate-test", "dual-path") and translations is None and translator is None:
        _fail(f"--model {model} reads an English translation of each source sentence, and bitext mining has none "
              "(the data's English is the target); give --translations FILE with machine translations of the "
              "sources, or use --model frozen or a LiRA model folder")
    method = _load_method(model, backbone, english, cache_dir)
    source = _English(method, translations, translator)
    results = {}
    for code_, group in _by_lang(examples, lambda ex: ex.lang).items():
        translator = source(code_, [], [ex.text for ex in group])
        results[code_] = _score(entry.evaluator_class()(group, code_, scoring=scoring, k=margin_k), method, translator)
    _report("bitext", results, ["n", "accuracy", "f1"], pooled=["accuracy"], averaged=["f1"], out=out, items=items,
            meta={**_meta(model, method, source, src=src, tgt=tgt, pairs=pairs), "scoring": scoring,
                  **({"margin_k": margin_k} if scoring == "margin" else {})})


def _run_sts(entry: EvalType, *, data: Path, lang: str | None, model: str, translations: Path | None,
             translator: str | None, backbone: str | None, english: str, cache_dir: Path | None, out: Path | None,
             items: bool, column: list[str] | None) -> None:
    """Semantic similarity: Spearman (main) and Pearson of the predicted with the gold scores, per language
    pairing; the English comes from --translations or the en1/en2 columns."""
    from lira.languages import ENGLISH

    pairs = entry.load(_input(data, column, "test"), lang=_code(lang))
    if not pairs:
        _fail(f"{data}: no pairs")
    method = _load_method(model, backbone, english, cache_dir)
    source = _English(method, translations, translator)
    results = {}
    for name, group in _by_lang(pairs, lambda p: p.lang1 if p.lang1 == p.lang2 else f"{p.lang1}-{p.lang2}").items():
        sides = [(p.text1, p.en1, p.lang1) for p in group] + [(p.text2, p.en2, p.lang2) for p in group]
        sides = [s for s in sides if s[2] != ENGLISH]
        translator = source(group[0].lang1 if group[0].lang1 != ENGLISH else group[0].lang2,
                            [(t, e) for t, e, _ in sides], [t for t, _, _ in sides])
        results[name] = _score(entry.evaluator_class()(group), method, translator)
    _report("sts", results, ["n", "spearman", "pearson"], averaged=["spearman", "pearson"], out=out, items=items,
            meta=_meta(model, method, source, data=data))


def _eval_probe_task(entry: EvalType, evaluator: Callable[..., Any],
                     english_pairs: Callable[[Any], list[tuple[str, Any]]], texts: Callable[[Any], list[str]],
                     train: Path | None, test: Path, lang: str | None, model: str, translations: Path | None,
                     translator: str | None, backbone: str | None, english: str, cache_dir: Path | None,
                     out: Path | None, items: bool,
                     aliases: Callable[[Any], list[tuple[str, str, Callable[[str], str]]]] | None = None,
                     column: list[str] | None = None) -> None:
    """NLI, choice and classification: one evaluator per test language, the probe fitted on all of ``train``."""
    from lira.languages import ENGLISH

    task = entry.task_type
    code = _code(lang)
    test_rows = entry.load(_input(test, column, "test"), lang=code)
    train_rows = entry.load(_input(train, column, "train"), lang=code) if train else []
    if not test_rows:
        _fail(f"{test}: no examples")
    method = _load_method(model, backbone, english, cache_dir)
    _needs_train(method, task, train, len(train_rows))
    probe = getattr(method, "task", None) != task
    source = _English(method, translations, translator)
    results = {}
    for name, group in _by_lang(test_rows, lambda ex: ex.lang).items():
        rows = [*group, *(train_rows if probe else [])]
        foreign = [ex for ex in rows if ex.lang != ENGLISH]  # English rows are their own translation
        translator = source(name, [p for ex in rows for p in english_pairs(ex)],
                            [t for ex in foreign for t in texts(ex)],
                            [a for ex in rows for a in aliases(ex)] if aliases else ())
        results[name] = _score(evaluator(train_rows, group, name), method, translator)
    _report(task, results, ["n", "n_train", "accuracy"], pooled=["accuracy"], same=["n_train"], out=out, items=items,
            meta=_meta(model, method, source, train=train, test=test))


def _run_nli(entry: EvalType, *, test: Path, train: Path | None, lang: str | None, model: str,
             translations: Path | None, translator: str | None, backbone: str | None, english: str,
             cache_dir: Path | None, out: Path | None, items: bool, column: list[str] | None) -> None:
    """NLI accuracy per language: a LiRA model trained for NLI predicts with its head, any other method through
    a logistic-regression probe on (u, v, |u - v|, u * v) fitted on --train."""
    _eval_probe_task(entry, entry.evaluator_class(),
                     lambda ex: [(ex.premise, ex.premise_en), (ex.hypothesis, ex.hypothesis_en)],
                     lambda ex: [ex.premise, ex.hypothesis], train, test, lang, model, translations, translator,
                     backbone, english, cache_dir, out, items, column=column)


def _run_choice(entry: EvalType, *, test: Path, train: Path | None, lang: str | None, model: str,
                translations: Path | None, translator: str | None, backbone: str | None, english: str,
                cache_dir: Path | None, out: Path | None, items: bool, column: list[str] | None) -> None:
    """Multiple-choice accuracy per language: a LiRA model trained for choice scores the options with its head,
    any other method through a probe fitted on --train. The premise is read with its question in brackets."""
    from lira.training.lasr_data import choice_premise

    def pairs(ex: Any) -> list[tuple[str, Any]]:
        out = [(choice_premise(ex.premise, ex.question), choice_premise(ex.premise_en, ex.question))]
        return out + list(zip(ex.choices, ex.choices_en or [None] * len(ex.choices), strict=True))

    def aliases(ex: Any) -> list[tuple[str, str, Callable[[str], str]]]:
        question: str | None = ex.question
        if not question:
            return []
        return [(choice_premise(ex.premise, question), ex.premise, lambda en: str(choice_premise(en, question)))]

    _eval_probe_task(entry, entry.evaluator_class(), pairs,
                     lambda ex: [str(choice_premise(ex.premise, ex.question)), *ex.choices], train, test, lang, model,
                     translations, translator, backbone, english, cache_dir, out, items, aliases=aliases, column=column)


def _run_classify(entry: EvalType, *, test: Path, train: Path | None, lang: str | None, model: str,
                  translations: Path | None, translator: str | None, backbone: str | None, english: str,
                  cache_dir: Path | None, out: Path | None, items: bool, column: list[str] | None,
                  allow_unknown_labels: bool) -> None:
    """Classification accuracy per language: a LiRA model trained for classification predicts with its head
    (test labels must be among its classes), any other method through a probe fitted on --train."""
    evaluator = partial(entry.evaluator_class(), allow_unknown_labels=allow_unknown_labels)
    _eval_probe_task(entry, evaluator, lambda ex: [(ex.text, ex.en)], lambda ex: [ex.text], train, test, lang, model,
                     translations, translator, backbone, english, cache_dir, out, items, column=column)


EVAL_TYPES: dict[str, EvalType] = {e.task_type: e for e in (
    EvalType(task_type="retrieval", command="retrieval",
             loader="lira.data.loaders:load_beir", run=_run_retrieval, options=(
                 Opt("data", Annotated[str, typer.Option(
                     help="A BEIR folder, or 'products' for the built-in product set.")], "products"),
                 Opt("lang", Annotated[list[str] | None, typer.Option(
                     help="Language(s); default: all 7 of the product set.")], None),
                 Opt("split", Annotated[str, typer.Option(help="Qrels split to score.")], "test"),
                 "backbone", "out", "cache_dir", "model", "english", "translations", "translator", "items",
                 "column")),
    EvalType(task_type="bitext", command="bitext",
             loader="lira.data.loaders:load_parallel", run=_run_bitext, options=(
                 Opt("src", Annotated[Path | None, typer.Option(
                     exists=True, dir_okay=False, help="Source sentences, one per line (.txt) or .jsonl text "
                                                       "field.")], None),
                 Opt("tgt", Annotated[Path | None, typer.Option(
                     exists=True, dir_okay=False, help="Their English, line-aligned with --src.")], None),
                 Opt("pairs", Annotated[Path | None, typer.Option(
                     exists=True, help="Or one parallel file (text, en, optional lang), or a Hugging Face dataset "
                                       "folder.")], None),
                 "lang", "model",
                 Opt("translations", Annotated[Path | None, typer.Option(
                     exists=True, dir_okay=False, help="Parallel file of machine translations of the source "
                                                       "sentences (default none: the data's English is the "
                                                       "target).")], None),
                 Opt("scoring", Annotated[str, typer.Option(
                     help="How a source finds its English: 'cosine' (LASER's Tatoeba test, MTEB) or 'margin' "
                          "(the cosine less its neighbours' mean, Artetxe & Schwenk 2019: fewer hub "
                          "sentences).")], "cosine"),
                 Opt("margin_k", Annotated[int, typer.Option(
                     min=1, help="Neighbours on each side that the margin averages (4 as published; "
                                 "BENCHMARKS.md has 2 to 16 on dev).")], 4),
                 *SHARED[3:])),
    EvalType(task_type="sts", command="sts",
             loader="lira.data.loaders:load_sts", run=_run_sts, options=(
                 Opt("data", Annotated[Path, typer.Option(
                     exists=True, help="Scored pairs (text1, text2, score): a file or a Hugging Face dataset folder "
                                       "(its test split).")]),
                 *SHARED)),
    EvalType(task_type="nli", command="nli",
             loader="lira.data.loaders:load_nli", run=_run_nli, options=(*PROBE_DATA, *SHARED)),
    EvalType(task_type="choice", command="choice",
             loader="lira.data.loaders:load_choice", run=_run_choice, options=(*PROBE_DATA, *SHARED)),
    EvalType(task_type="classification", command="classify",
             loader="lira.data.loaders:load_classification", run=_run_classify, options=(
                 *PROBE_DATA, *SHARED,
                 Opt("allow_unknown_labels", Annotated[bool, typer.Option(
                     help="Score test labels the model never saw as wrong, with a counted warning, instead of an "
                          "error.")], False))),
)}


def _command(entry: EvalType) -> Callable[..., None]:
    """The typer command of ``entry``: a function whose signature lists ``entry``'s options and whose docstring
    (the command's help) is its ``run``'s."""

    def command(**options: Any) -> None:
        entry.run(entry, **options)

    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, annotation=o.annotation, default=o.default)
         for o in entry.parameters()])
    command.__doc__ = entry.run.__doc__
    command.__name__ = command.__qualname__ = f"eval_{entry.command}"
    return command


for _entry in EVAL_TYPES.values():
    eval_app.command(_entry.command)(_command(_entry))


@eval_app.command("arca")
def eval_arca(
    config: Annotated[Path, typer.Option(help="YAML run config naming the data and backbones.")],
    model: Annotated[Path, typer.Option(help="Trained Arca folder (RUN/arca).")],
    split: Annotated[str, typer.Option(help="Held-out split to score.")] = "test",
    out: OutOpt = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Candidate choice on held-out data: the Actor against chance and critic-free choices, with sign tests."""
    from lira.demo import markdown_table
    from lira.training.arca_run import evaluate_choice, load_run_config

    result = evaluate_choice(load_run_config(config), model_dir=model, split=split, cache_dir=cache_dir)
    rows = [{"lang": k, **v, "p vs sim_only": f"{v['actor_vs_sim_only']['p_value']:.2g}",
             "p vs critic_s_only": f"{v['actor_vs_critic_s_only']['p_value']:.2g}"}
            for k, v in [*result["per_lang"].items(), ("all", result["overall"])]]
    typer.echo(markdown_table(rows, ["lang", "n", "actor_accuracy", "sim_only_accuracy", "critic_s_only_accuracy",
                                     "chance", "p vs sim_only", "p vs critic_s_only", "anchor_gap"]))
    if out:
        from lira.io import write_json

        write_json(out, result)


@eval_app.command("mgsm")
def eval_mgsm(
    endpoint: Annotated[str, typer.Option(help="Solver LLM's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1.")],
    llm_model: Annotated[str, typer.Option(help="Model name sent to the endpoint.")],
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable holding the endpoint's key.")] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Language(s): th, bn, en; default th and bn.")] = None,
    model: Annotated[Path | None, typer.Option(help="LiRA model folder (needed by --method lira).")] = None,
    translator: Annotated[str | None, typer.Option(help="Translator spec giving the English candidates, e.g. "
                                                        "openai:MODEL@BASE_URL.")] = None,
    translations: Annotated[Path | None, typer.Option(help="Parallel file of precomputed candidates (text, en, "
                                                           "en_2, ...).")] = None,
    method: Annotated[list[str] | None, typer.Option(help="direct, translate-test, lira, gold-english; default "
                                                          "every method the other options allow.")] = None,
    candidates: Annotated[int | None, typer.Option(help="English candidates per question (default: the model's, "
                                                        "else 2).")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        help="The benchmark data folder (default: $LIRA_DATA_DIR, else shared/data beside the checkout).")] = None,
    limit: Annotated[int | None, typer.Option(help="Score only the first N problems per language.")] = None,
    max_tokens: Annotated[int, typer.Option(help="Token budget of each solver reply.")] = 1024,
    timeout_s: Annotated[float, typer.Option(help="Seconds to wait for one solver reply.")] = 120.0,
    out: Annotated[Path | None, typer.Option(help="Write the results (with per-item records) as JSON here.",
                                             callback=writable_file)] = None,
) -> None:
    """MGSM accuracy (exact numeric match) of an LLM endpoint reading each question directly, its translation
    (translate-test), Arca's chosen translation (lira) or the gold English question."""
    from lira.data import benchmarks
    from lira.data.errors import DataFormatError
    from lira.data.io import default_data_dir
    from lira.demo import markdown_table
    from lira.evaluation.mgsm import METHODS, MGSMEvaluator
    from lira.languages import normalize_code
    from lira.translators.chat import ChatClient, ChatConfig
    from lira.translators.precomputed import MissingTranslationError

    has_translator = translator is not None or translations is not None
    usable = {"direct": True, "translate-test": has_translator, "lira": has_translator and model is not None,
              "gold-english": True}
    methods = list(dict.fromkeys(method or [m for m in METHODS if usable[m]]))
    if unknown := [m for m in methods if m not in METHODS]:
        _fail(f"unknown method {unknown[0]!r}; valid: {', '.join(METHODS)}")
    if "lira" in methods and model is None:
        _fail("--method lira needs --model DIR (a LiRA model folder)")
    if translator is not None and translations is not None:
        _fail("give --translator or --translations, not both")
    if not has_translator and {"translate-test", "lira"} & set(methods):
        _fail("translate-test and lira need English candidates: give --translator SPEC or --translations FILE")
    if limit is not None and limit < 1:
        _fail("--limit must be >= 1")
    lira_model = None
    if model is not None and "lira" in methods:
        from lira.model import LiRAModel

        try:
            lira_model = LiRAModel.load(model)
        except ValueError as e:  # another format version
            _fail(str(e))
    k = candidates or (lira_model.config.candidates if lira_model else 2)
    try:
        client = ChatClient(ChatConfig(base_url=endpoint, model=llm_model, api_key_env=api_key_env,
                                       max_tokens=max_tokens, timeout_s=timeout_s))
    except ValueError as e:
        _fail(str(e))
    results: dict[str, dict] = {}
    rows = []
    with client:
        for code in lang or ["th", "bn"]:
            name = normalize_code(code)
            try:
                problems = benchmarks.mgsm(data_dir or default_data_dir(), lang=name)[:limit]
            except DataFormatError:
                raise
            except ValueError as e:  # a language MGSM does not cover
                _fail(str(e))
            source: Translator | None = None
            if translations is not None:
                from lira.data.loaders import load_parallel
                from lira.translators.precomputed import PrecomputedTranslator

                source = PrecomputedTranslator.from_examples(
                    [e for e in load_parallel(translations, lang=name) if e.lang == name])
            elif translator is not None:
                from lira.translators import load_translator

                source = load_translator(translator, lang=name)
            evaluator = MGSMEvaluator(problems, client, translator=source, model=lira_model, candidates=k)
            for m in methods:
                try:
                    result = evaluator(m)
                except MissingTranslationError as e:
                    _fail(f"{translations}: {e}")
                results.setdefault(name, {})[m] = result
                rows.append({"lang": name, "method": m, "n": result["n"], "accuracy": result["accuracy"],
                             "unparseable": result["n_unparseable"], "failed": result["n_failed"],
                             "no text": result["n_no_text"]})
                if result["errors"]:
                    typer.secho(f"{name} {m}: {result['n_failed']} failed at the endpoint, {result['n_no_text']} "
                                f"without text; first: {result['errors'][0]}", fg=typer.colors.YELLOW, err=True)
    typer.echo(markdown_table(rows, ["lang", "method", "n", "accuracy", "unparseable", "failed", "no text"]))
    if out:
        from lira.io import write_json

        write_json(out, {"benchmark": "mgsm", "solver": llm_model, "endpoint": endpoint, "methods": methods,
                         "translator": translator or (str(translations) if translations else None),
                         "model": str(model) if model else None, "candidates": k, "limit": limit,
                         "results": results})
    lost = [f"{r['lang']} {r['method']}" for r in rows if r["n"] and r["failed"] + r["no text"] >= r["n"]]
    if lost:  # an accuracy of 0 here measures the endpoint, not the method
        _fail(f"every item failed at the endpoint for {', '.join(lost)}; check --endpoint and --llm-model")


# The task types whose command is hand-written above, by command name.
HAND_WRITTEN = {"math": "mgsm"}


@eval_app.command("list")
def eval_list() -> None:
    """The task registry: each task's type, family, subsets, main score and the lira eval command of its type."""
    from lira.demo import markdown_table
    from lira.tasks import TASKS

    commands = {t: e.command for t, e in EVAL_TYPES.items()} | HAND_WRITTEN
    rows = [{"task": t.name, "type": t.type, "family": t.family, "subsets": ", ".join(s.name for s in t.subsets),
             "main score": t.main_score, "command": f"lira eval {commands[t.type]}" if t.type in commands else "-"}
            for t in TASKS]
    typer.echo(markdown_table(rows, ["task", "type", "family", "subsets", "main score", "command"]))
