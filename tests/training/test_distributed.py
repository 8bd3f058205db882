"""Data-parallel training under ``accelerate launch`` (``lira.training.distributed``).

The slow tests run 2 CPU processes (gloo) for a few steps of ``lira train arca`` and ``lira train lasr`` on a
tiny random-weight BERT and check: the parameters are identical on both ranks; the per-step loss and the final
weights match a single process with the same global batch to 1e-5 (float summation order differs); only rank 0
writes the run folder; a run resumed from a checkpoint on 2 ranks ends with the uninterrupted run's weights (to
1e-6); and ranks started with different configs stop at once with an error naming the field.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lira.training import distributed

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("dist_worker.py")
WORDS = ["hello", "world", "red", "shoes", "phone", "case", "rice", "cooker", "cheap", "nike", "black"]


# -- a single process: nothing changes ---------------------------------------------------------------------------

def test_single_process_is_untouched(tmp_path):
    module = torch.nn.Linear(3, 2)
    assert distributed.data_parallel(module) is module and distributed.world_size() == 1
    assert distributed.is_main_process() and not distributed.launched()
    module(torch.ones(4, 3)).sum().backward()
    grad = module.weight.grad.clone()
    distributed.sync_gradients(module.parameters(), torch.tensor(1.0))
    assert torch.equal(grad, module.weight.grad)
    distributed.check_same_config({"a": 1})
    with distributed.distributed_run(tmp_path / "run", {"a": 1}, resume=False, overwrite=False) as rank:
        assert rank == distributed.RankRun(tmp_path / "run", True, False)


def test_shards_cover_every_row_once(monkeypatch):
    for world, n in ((2, 9), (3, 10), (4, 4)):
        monkeypatch.setattr(distributed, "world_size", lambda world=world: world)
        spans = []
        for r in range(world):
            monkeypatch.setattr(distributed, "rank", lambda r=r: r)
            lo, hi, counts = distributed._shard(n)
            spans.append((lo, hi))
            assert sum(counts) == n and max(counts) - min(counts) <= 1
        assert [i for lo, hi in spans for i in range(lo, hi)] == list(range(n))


# -- two processes ------------------------------------------------------------------------------------------------

def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp: Path, record: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    # the CPU path (gloo) on every machine, so that ranks and the one-process reference compare on one device
    return {**env, "LIRA_TEST_RECORD": str(record), "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT),
            "OMP_NUM_THREADS": "1", "LIRA_DIST_TIMEOUT": "120", "HF_HUB_OFFLINE": "1",
            "ACCELERATE_USE_CPU": "1", "LIRA_DEVICE": "cpu"}


def _run(args: list[str], *, tmp: Path, record: Path, processes: int, module: bool = False) -> str:
    """``lira ARGS`` in one process, or in ``processes`` under ``accelerate launch`` (``-m lira`` with
    ``module``, else the recording worker); returns the output, failing the test on a non-zero exit."""
    target = ["-m", "lira"] if module else [str(WORKER)]
    if processes == 1:
        command = [sys.executable, *target, *args]
    else:
        # accelerate's torchrun-style launcher (--multi_gpu; on a CPU-only machine LiRA's ranks use gloo)
        command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes",
                   str(processes),
                   "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                   "--main_process_port", str(_port()), *target, *args]
    done = subprocess.run(command, env=_env(tmp, record), capture_output=True, text=True, timeout=400, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _record(record: Path, rank: int = 0) -> tuple[list[float], dict[str, dict[str, torch.Tensor]]]:
    losses = json.loads((record / f"rank{rank}.json").read_text())["losses"]
    weights = {p.stem.split("-", 1)[1]: load_file(str(p)) for p in record.glob(f"rank{rank}-*.safetensors")}
    return losses, weights


def _assert_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], *, atol: float) -> None:
    """The same tensors (``{name: tensor}``, or ``{module: {name: tensor}}``), equal bit for bit with ``atol=0``."""
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            _assert_weights(a[key], b[key], atol=atol)
        elif atol == 0:
            assert torch.equal(a[key], b[key]), key
        else:
            torch.testing.assert_close(a[key], b[key], atol=atol, rtol=0, msg=key)


@pytest.fixture(scope="module")
def configs(tmp_path_factory, tiny_bert_dir) -> dict[str, Path]:
    """Stage-1 and stage-2 configs over the tiny BERT, with small parallel and retrieval data."""
    import random

    root = tmp_path_factory.mktemp("dist-configs")
    rng = random.Random(0)
    rows = []
    for i in range(48):
        words = rng.sample(WORDS, 3)
        rows.append(f"{' '.join(words)} {i}\t{' '.join(reversed(words))} {i}\tvi")
    (root / "parallel.tsv").write_text("text\ten\tlang\n" + "\n".join(rows) + "\n", encoding="utf-8")
    spec = f"hf:{tiny_bert_dir}?pooling=mean"
    (root / "arca.yaml").write_text(
        f"data: {{source: tsv, path: {root / 'parallel.tsv'}, dev_fraction: 0.25}}\n"
        f"backbones: {{multilingual: '{spec}', english: '{spec}'}}\ntranslators: []\n"
        "candidates: {max_candidates: 4}\n"
        "model: {adaptor: {hidden: 16}, actor: {hidden: 8}}\n"
        "train: {steps: 4, batch_size: 10, lr: 0.01, seed: 0, eval_every: 2, checkpoint_every: 2}\n")
    beir = root / "beir"
    (beir / "qrels").mkdir(parents=True)
    docs = [" ".join(rng.sample(WORDS, 3)) for _ in range(24)]
    (beir / "corpus.jsonl").write_text("".join(json.dumps({"_id": f"d{i}", "title": "", "text": t, "en": t}) + "\n"
                                               for i, t in enumerate(docs)), encoding="utf-8")
    (beir / "queries.jsonl").write_text("".join(json.dumps({"_id": f"q{i}", "text": " ".join(t.split()[:2])}) + "\n"
                                                for i, t in enumerate(docs)), encoding="utf-8")
    for split, ids in (("train", range(0, 16)), ("dev", range(16, 24))):
        (beir / "qrels" / f"{split}.tsv").write_text(
            "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in ids), encoding="utf-8")
    (root / "lasr.yaml").write_text(
        "task: retrieval\narca: ARCA\n"
        f"data: {{source: beir, path: {beir}, langs: [vie]}}\n"
        f"model: {{lr_backbone: '{spec}', en_backbone: '{spec}', translator: none}}\n"
        "head: {width: 16, heads: 2, ff: 32, layers: 1, dropout: 0.0, language_dropout: 0.0}\n"
        "train: {steps: 4, batch_size: 8, random_docs: 6, lr: 0.001, eval_every: 2, checkpoint_every: 2, "
        "english_weights: [0.5]}\n")
    return {"arca": root / "arca.yaml", "lasr": root / "lasr.yaml"}


@pytest.mark.slow
def test_two_processes_match_one_arca_and_lasr(configs, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    runs = {}
    for name, processes in (("one", 1), ("two", 2)):
        record = tmp_path / f"record-{name}"
        out = tmp_path / f"arca-{name}"
        _run(["train", "arca", "--config", str(configs["arca"]), "--out", str(out)], tmp=tmp, record=record,
             processes=processes)
        lasr_config = tmp_path / f"lasr-{name}.yaml"
        lasr_config.write_text(configs["lasr"].read_text().replace("ARCA", str(out / "arca")))
        _run(["train", "lasr", "--config", str(lasr_config), "--out", str(tmp_path / f"lasr-{name}")], tmp=tmp,
             record=record, processes=processes)
        runs[name] = record
    one_losses, one_weights = _record(runs["one"])
    two_losses, two_weights = _record(runs["two"], 0)
    rank1_losses, rank1_weights = _record(runs["two"], 1)
    # both ranks hold the same parameters and saw the same losses (4 Arca steps, then 4 LaSR steps)
    assert len(two_losses) == 8 and two_losses == rank1_losses
    _assert_weights(two_weights, rank1_weights, atol=0)
    # the same as one process with the same global batch, to 1e-5; except the Actor's output bias: it shifts every
    # candidate's logit alike, the softmax ignores it, so its gradient is 0 up to rounding and Adam turns that
    # rounding into full-size steps of no consequence; the Actors' outputs are checked instead
    assert two_losses == pytest.approx(one_losses, rel=1e-5, abs=1e-6)
    shift = "actor.net.2.bias"
    _assert_weights({**two_weights, "arca": {k: v for k, v in two_weights["arca"].items() if k != shift}},
                    {**one_weights, "arca": {k: v for k, v in one_weights["arca"].items() if k != shift}}, atol=1e-5)
    from lira.arca.model import ArcaModel

    actors = [ArcaModel.load(tmp_path / f"arca-{name}" / "arca").actor for name in ("one", "two")]
    features, mask = torch.rand(6, 4, 4), torch.ones(6, 4, dtype=torch.bool)
    torch.testing.assert_close(actors[0](features, mask), actors[1](features, mask), atol=1e-5, rtol=0)
    # only rank 0 wrote: one run folder, no rank's private folder left behind
    assert (tmp_path / "lasr-two" / "model" / "lira_config.json").is_file()
    assert (tmp_path / "arca-two" / "checkpoints" / "step-000004").is_dir()
    assert not list(tmp.glob("lira-rank*"))


@pytest.mark.slow
def test_resume_on_two_ranks_gives_the_uninterrupted_weights(configs, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "arca"
    _run(["train", "arca", "--config", str(configs["arca"]), "--out", str(out)], tmp=tmp, record=tmp_path / "r",
         processes=2, module=True)
    final = load_file(str(out / "arca" / "arca.safetensors"))
    history = json.loads((out / "history.json").read_text())
    # interrupted after step 2: the last checkpoint and the outputs are gone
    import shutil

    shutil.rmtree(out / "checkpoints" / "step-000004")
    shutil.rmtree(out / "arca")
    (out / "history.json").unlink()
    output = _run(["train", "arca", "--config", str(configs["arca"]), "--out", str(out), "--resume"], tmp=tmp,
                  record=tmp_path / "r2", processes=2, module=True)
    assert "model:" in output
    # the first run encoded its features on both ranks at once, the resumed one reads them from the feature
    # cache: the two can differ in the last bit, so the weights are compared to 1e-6
    _assert_weights(load_file(str(out / "arca" / "arca.safetensors")), final, atol=1e-6)
    resumed = json.loads((out / "history.json").read_text())
    assert [h.get("step") for h in resumed] == [h.get("step") for h in history] == [0, 2, 4, None]
    assert resumed[-1] == history[-1]  # the same steps kept
    for a, b in zip(resumed[:-1], history[:-1], strict=True):
        assert a == pytest.approx(b, rel=1e-6)
    assert not list(tmp.glob("lira-rank*"))


@pytest.mark.slow
def test_mismatched_configs_stop_every_rank_without_hanging(configs, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(configs["arca"].read_text().replace("seed: 0", "seed: 1"))
    port = _port()
    procs = []
    start = time.monotonic()
    for r, config in enumerate((configs["arca"], other)):
        env = {**_env(tmp_path, tmp_path / "r"), "RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": "2",
               "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
               "LIRA_DIST_TIMEOUT": "60"}
        procs.append(subprocess.Popen([sys.executable, "-m", "lira", "train", "arca", "--config", str(config),
                                       "--out", str(tmp_path / "out")], env=env, cwd=ROOT, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    results = [p.communicate(timeout=180) for p in procs]
    assert time.monotonic() - start < 170
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 2, err[-2000:]
        assert "rank 1's config differs from rank 0's; fields that differ (rank 0 -> rank 1): train.seed (0 -> 1)" \
            in " ".join(err.split())
        assert "Traceback" not in err
    assert not (tmp_path / "out" / "checkpoints").exists()
