import os

import pytest
import torch

from lira.backbones.threads import available_cpus, limit_native_threads, num_threads, use_torch_threads


def test_default_is_every_usable_cpu(monkeypatch):
    monkeypatch.delenv("LIRA_NUM_THREADS", raising=False)
    assert num_threads() == available_cpus() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_bad_setting_names_the_variable(monkeypatch, bad):
    monkeypatch.setenv("LIRA_NUM_THREADS", bad)
    with pytest.raises(ValueError, match=f"LIRA_NUM_THREADS='{bad}'.*positive number"):
        num_threads()


def test_torch_threads_follow_the_setting(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("LIRA_NUM_THREADS", "1")
        assert use_torch_threads() == 1 and torch.get_num_threads() == 1
        assert use_torch_threads(2) == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_native_pools_are_limited_until_restored():
    """NumPy's and SciPy's BLAS and scikit-learn's OpenMP pools (loaded by the call) all get the limit."""
    import sklearn.linear_model  # noqa: F401  (its pools exist before the limit, to compare after restoring)
    from threadpoolctl import threadpool_info

    original = {p["filepath"]: p["num_threads"] for p in threadpool_info()}
    limiter = limit_native_threads(1)
    try:
        pools = threadpool_info()
        assert {p["internal_api"] for p in pools} >= {"openblas", "openmp"}
        assert all(p["num_threads"] == 1 for p in pools)
    finally:
        limiter.restore_original_limits()
    assert {p["filepath"]: p["num_threads"] for p in threadpool_info()} == original

def test_cli_threads_option_sets_the_variable(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from lira.cli import app

    monkeypatch.setenv("LIRA_NUM_THREADS", "2")
    result = CliRunner().invoke(app, ["--threads", "1", "cache", "info", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert os.environ["LIRA_NUM_THREADS"] == "1" and num_threads() == 1
    bad = CliRunner().invoke(app, ["--threads", "0", "cache", "info", "--cache-dir", str(tmp_path)])
    assert bad.exit_code == 2
