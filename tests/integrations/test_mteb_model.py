"""``LiRAEncoder`` under ``mteb.evaluate`` on the local tasks of ``tests/fixtures/mteb`` (a slice of the built-in
product set and a few parallel lines), offline: mteb's scores equal LiRA's own evaluators' on the same data, for a
baseline and a LiRA model; roles, metadata and language errors.

Backbones are ``WordBackbone`` (``tests/evaluation/test_methods.py``), so nothing runs a neural encoder.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach the Hugging Face Hub
mteb = pytest.importorskip("mteb")

from lira.data.loaders import load_beir, load_parallel  # noqa: E402
from lira.evaluation.bitext import BitextEvaluator  # noqa: E402
from lira.evaluation.retrieval import RetrievalEvaluator  # noqa: E402
from lira.integrations.mteb_model import LiRAEncoder, english_share  # noqa: E402
from lira.integrations.mteb_tasks import bitext_task, retrieval_task  # noqa: E402
from lira.languages import UnknownLanguageError  # noqa: E402
from tests.evaluation.test_methods import DIM, WordBackbone, fake_backbones, tiny_lira  # noqa: E402, F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mteb"


@pytest.fixture(scope="module")
def products():
    return load_beir(FIXTURES / "products-tha", lang="tha")


@pytest.fixture(scope="module")
def pairs():
    return load_parallel(FIXTURES / "bitext-tha.tsv", lang="tha")


def run(encoder: LiRAEncoder, task, predictions: Path | None = None) -> dict:
    result = mteb.evaluate(encoder, [task], cache=None, show_progress_bar=False, prediction_folder=predictions)
    assert not result.exceptions
    return result.task_results[0].scores["test"][0]


@pytest.mark.parametrize("spec", ["frozen", "dual-path", "lira"])
def test_retrieval_matches_lira_evaluator(fake_backbones, products, spec, tmp_path):  # noqa: F811
    """mteb scores every (query, document) as LiRA's ``RetrievalEvaluator`` does; with the frozen backbone (no
    near-ties) nDCG@10 is the same too (elsewhere equal scores that differ by float rounding may order ties
    differently)."""
    import json

    from lira.retrieval.search import search_run

    model = str(tiny_lira(tmp_path / "lira", languages=("tha",))) if spec == "lira" else spec
    encoder = LiRAEncoder(model, cache_dir=tmp_path / "cache")
    scores = run(encoder, retrieval_task(products, name="LiRAProductsTha"), tmp_path / "pred")
    assert scores["hf_subset"] == "tha" and scores["languages"] == ["tha-Thai"]
    mteb_run = json.loads((tmp_path / "pred" / "LiRAProductsTha_predictions.json").read_text())["tha"]["test"]
    queries, _ = products.split("test")
    docs = list(products.corpus.values())
    q = encoder.model.encode([x.text for x in queries.values()], lang="tha", role="query")
    d = encoder.model.encode([x.full_text for x in docs], lang="tha", role="passage",
                             **({"translations": [x.en for x in docs]} if spec != "frozen" else {}))
    own_run = search_run(list(queries), q, list(products.corpus), d, k=len(docs))
    assert set(mteb_run) == set(own_run)
    for qid, ranked in own_run.items():
        assert mteb_run[qid] == pytest.approx(ranked, abs=1e-5)
    own = RetrievalEvaluator(products, split="test")(encoder.model)
    if spec == "frozen":
        assert scores["ndcg_at_10"] == pytest.approx(own["ndcg@10"], abs=1e-5)
    assert scores["ndcg_at_10"] == pytest.approx(own["ndcg@10"], abs=0.01)


@pytest.mark.parametrize("spec", ["frozen", "translate-test", "lira"])
def test_bitext_matches_lira_evaluator(fake_backbones, pairs, spec, tmp_path):  # noqa: F811
    model = str(tiny_lira(tmp_path / "lira", languages=("tha",))) if spec == "lira" else spec
    encoder = LiRAEncoder(model, cache_dir=tmp_path / "cache")
    scores = run(encoder, bitext_task(pairs, name="LiRABitextTha"))
    own = BitextEvaluator(pairs, "tha")(encoder.model)
    assert scores["languages"] == ["tha-Thai", "eng-Latn"]
    assert scores["accuracy"] == pytest.approx(own["accuracy"], abs=1e-9)


class Spy:
    """A method that records the role and language of each call (a frozen-backbone stand-in)."""

    dim, name = 8, "spy"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def encode(self, texts, *, lang, role="query", **_):
        self.calls.append((role, lang, len(texts)))
        return np.eye(len(texts), self.dim, dtype=np.float32)


def test_prompt_type_maps_to_roles(products):
    spy = Spy()
    run(LiRAEncoder("frozen", method=spy), retrieval_task(products, name="LiRAProductsThaRoles"))
    assert ("query", "tha", len(products.qrels["test"])) in spy.calls
    assert ("passage", "tha", len(products.corpus)) in spy.calls
    assert {role for role, _, _ in spy.calls} == {"query", "passage"}


def test_model_meta(fake_backbones, tmp_path):  # noqa: F811
    folder = tiny_lira(tmp_path / "a", languages=("tha", "vie"))
    encoder = LiRAEncoder(str(folder), cache_dir=tmp_path / "cache")
    meta = encoder.mteb_model_meta
    assert meta.name == "lira/a" and meta.languages == ["tha-Thai", "vie-Latn", "eng-Latn"]
    vectors = encoder.model.encode(["ทดสอบ"], lang="tha")
    assert meta.embed_dim == vectors.shape[1] and meta.similarity_fn_name.value == "cosine"
    same = LiRAEncoder(str(tiny_lira(tmp_path / "b", languages=("tha", "vie"))), cache_dir=tmp_path / "cache")
    other = LiRAEncoder(str(tiny_lira(tmp_path / "c", languages=("tha",))), cache_dir=tmp_path / "cache")
    assert len(meta.revision) == 12 and meta.revision == same.mteb_model_meta.revision  # a hash of the configs
    assert other.mteb_model_meta.revision != meta.revision
    in_run = LiRAEncoder(str(tiny_lira(tmp_path / "runs" / "lasr-th" / "model", languages=("tha",))),
                         cache_dir=tmp_path / "cache")
    assert in_run.mteb_model_meta.name == "lira/lasr-th"  # a run's model/ folder: named after the run
    frozen = LiRAEncoder("frozen", cache_dir=tmp_path / "cache").mteb_model_meta
    assert frozen.name == "lira/frozen" and frozen.embed_dim == WordBackbone().dim and len(frozen.languages) == 15
    dual = LiRAEncoder("dual-path", cache_dir=tmp_path / "cache").mteb_model_meta
    assert dual.embed_dim == 2 * WordBackbone().dim


def test_a_student_reads_its_recorded_backbone_and_is_named_after_its_run(fake_backbones, tmp_path):  # noqa: F811
    from lira.arca.adaptor import Adaptor, AdaptorConfig
    from lira.baselines import DistilledStudent

    student = DistilledStudent(WordBackbone("mb"), Adaptor(AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM)),
                               teacher="fake-en", lr_spec="mb")
    folder = student.save(tmp_path / "distill-th" / "student")
    encoder = LiRAEncoder(f"distilled:{folder}", cache_dir=tmp_path / "cache")
    assert encoder.model.lr.name == "fake-mb"  # not the default backbone: the one it was trained on
    assert encoder.mteb_model_meta.name == "lira/distill-th"


def test_unknown_language_is_named(fake_backbones, tmp_path):  # noqa: F811
    from mteb.mocks.mock_tasks.bitext_mining import MockMultilingualBitextMiningTask

    with pytest.raises(UnknownLanguageError, match=r"mteb task 'MockMultilingualBitextMiningTask', subset 'fra': "
                                                   r"language 'fra-Latn' is not one LiRA knows"):
        mteb.evaluate(LiRAEncoder("frozen", cache_dir=tmp_path), [MockMultilingualBitextMiningTask()], cache=None,
                      show_progress_bar=False)


def test_language_of_a_two_language_subset(fake_backbones, tmp_path):  # noqa: F811
    task = bitext_task(load_parallel(FIXTURES / "bitext-tha.tsv", lang="tha"), name="LiRABitextThaLangs")
    encoder = LiRAEncoder("frozen", cache_dir=tmp_path)
    meta = task.metadata
    assert encoder.language_of(["รองเท้าผ้าใบ สีขาว"], task_metadata=meta, hf_subset="tha-eng") == "tha"
    assert encoder.language_of(["white sneakers"], task_metadata=meta, hf_subset="tha-eng") == "eng"
    # one script, English or not: the share of English words decides
    from lira.data.formats import ParallelExample

    ind = bitext_task([ParallelExample("ind", "sepatu putih untuk lari", "white shoes for running")], name="IndEng")
    indonesian, english = ["sepatu putih untuk lari pagi"], ["white shoes for the morning run"]
    assert english_share(english) > 0.6 > english_share(indonesian)
    assert encoder.language_of(indonesian, task_metadata=ind.metadata, hf_subset="ind-eng") == "ind"
    assert encoder.language_of(english, task_metadata=ind.metadata, hf_subset="ind-eng") == "eng"
    with pytest.raises(ValueError, match="English already"):
        bitext_task([ParallelExample("eng", "a", "a")], name="EngEng")
    # FLORES' parallel subsets pass the column's language tag as the subset
    flores = mteb.get_tasks(["FloresBitextMining"], languages=["khm", "eng"], exclusive_language_filter=True)[0]
    assert set(flores.hf_subsets) == {"khm_Khmr-eng_Latn", "eng_Latn-khm_Khmr"}
    assert encoder.language_of(["ស្បែកជើង"], task_metadata=flores.metadata, hf_subset="khm_Khmr") == "khm"
    assert encoder.language_of(["shoes"], task_metadata=flores.metadata, hf_subset="eng_Latn") == "eng"


def test_tatoeba_from_the_local_data_folder(data_dir, tmp_path):
    """The README's route for Tatoeba with local data: LiRA's reader, ``bitext_task``, mteb (first 20 pairs)."""
    from lira.data import benchmarks

    pairs = benchmarks.tatoeba(data_dir, lang="tha")[:20]
    encoder = LiRAEncoder("frozen", cache_dir=tmp_path / "cache")
    scores = run(encoder, bitext_task(pairs, name="TatoebaThaLocal"))
    assert scores["accuracy"] == pytest.approx(BitextEvaluator(pairs, "tha")(encoder.model)["accuracy"], abs=1e-9)
