"""``lira index build|info`` and ``lira serve``: the commands, their one-line errors, and a real server on
127.0.0.1 answering over TCP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from lira.cli import app
from tests.serving.conftest import DOCS

runner = CliRunner()


@pytest.mark.parametrize("args", [["index"], ["index", "build"], ["index", "info"], ["serve"]])
def test_help(args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_build_info_and_refusals(fake_backbones, corpus_file, lexicon_file, tmp_path):
    out = tmp_path / "idx"
    base = ["index", "build", "--corpus", str(corpus_file), "--out", str(out), "--no-progress",
            "--cache-dir", str(tmp_path / "c")]
    built = runner.invoke(app, [*base, "--model", "dual-path", "--translator", f"lexicon:{lexicon_file}"])
    assert built.exit_code == 0, built.output
    assert f"{len(DOCS)} documents ({len(DOCS)} embedded, 0 reused), faiss flat" in built.output
    info = json.loads(runner.invoke(app, ["index", "info", str(out)]).output)
    assert info["model"]["spec"] == "dual-path" and info["corpus"]["documents"] == len(DOCS)
    other = runner.invoke(app, [*base, "--model", "frozen"])
    assert other.exit_code == 2 and "built with 'dual-path'" in other.output and "--overwrite" in other.output
    assert runner.invoke(app, [*base, "--model", "frozen", "--qdrant-url", "http://x"]).exit_code == 2
    empty = tmp_path / "empty-index"
    empty.mkdir()
    missing = runner.invoke(app, ["index", "info", str(empty)])
    assert missing.exit_code == 2 and "holds no complete index" in missing.output
    refused = runner.invoke(app, ["serve", "--index", str(out), "--model", "frozen"])
    assert refused.exit_code == 2 and "built with 'dual-path'" in refused.output
    token = tmp_path / "token"
    token.write_text("\n")
    blank = runner.invoke(app, ["serve", "--index", str(out), "--token-file", str(token)])
    assert blank.exit_code == 2 and "is empty" in blank.output
    negative = runner.invoke(app, ["serve", "--index", str(out), "--request-batch", "-1"])
    assert negative.exit_code == 2 and "--request-batch must be >= 0" in negative.output


_SERVER = """
import sys
import lira.backbones
from tests.evaluation.test_methods import WordBackbone
lira.backbones.load_backbone = WordBackbone
from lira.cli import main
sys.argv = ["lira", "serve", "--index", sys.argv[1], "--port", sys.argv[2], "--token-file", sys.argv[3]]
main()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_tcp(index_dir, tmp_path):
    root = Path(__file__).resolve().parents[2]
    port, token = _free_port(), tmp_path / "token"
    token.write_text("abc\n")
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(index_dir), str(port), str(token)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        found = httpx.post(f"{url}/search", json={"query": "ốp lưng điện thoại"},
                           headers={"Authorization": "Bearer abc"}, timeout=10)
        assert found.status_code == 200 and found.json()["results"][0]["id"] == "d4"
        assert httpx.post(f"{url}/search", json={"query": "x"}, timeout=10).status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert "serving" in output and f"http://127.0.0.1:{port}/" in output
