"""The training device (``lira.training.distributed.training_device``) and moving batches to it (``to_device``).

This machine has no CUDA: ``torch.cuda.is_available`` (and ``device_count``) are patched to pick the device, and
the moves are checked with the ``meta`` device, which every PyTorch build has.
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from datetime import timedelta

import pytest
import torch

from lira.arca.composition import DualPath
from lira.training import distributed
from lira.training.lasr_data import Texts

META = torch.device("meta")


@pytest.fixture
def cuda(monkeypatch):
    """``set(n)``: pretend this machine has ``n`` CUDA devices (0: none); no device variable is set."""
    monkeypatch.delenv("LIRA_DEVICE", raising=False)
    monkeypatch.delenv("ACCELERATE_USE_CPU", raising=False)

    def set_count(n: int) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: n > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: n)

    return set_count


# -- training_device ------------------------------------------------------------------------------------------------

def test_a_single_process_trains_on_cuda_when_available(cuda):
    cuda(1)
    assert distributed.training_device() == torch.device("cuda")


def test_a_single_process_trains_on_the_cpu_without_cuda(cuda):
    cuda(0)
    assert distributed.training_device() == torch.device("cpu")


@pytest.mark.parametrize("value", ["cpu", "CPU", " cpu "])
def test_lira_device_cpu_wins_over_cuda(cuda, monkeypatch, value):
    cuda(2)
    monkeypatch.setenv("LIRA_DEVICE", value)
    assert distributed.training_device() == torch.device("cpu")


def test_lira_device_names_a_cuda_device(cuda, monkeypatch):
    cuda(2)
    monkeypatch.setenv("LIRA_DEVICE", "cuda:1")
    assert distributed.training_device() == torch.device("cuda", 1)
    monkeypatch.setenv("LIRA_DEVICE", "cuda")
    assert distributed.training_device() == torch.device("cuda")
    monkeypatch.setenv("LIRA_DEVICE", "")  # empty: unset
    assert distributed.training_device() == torch.device("cuda")


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "cuda:-1", "tpu", "cuda:0,1", "mps"])
def test_an_invalid_lira_device_names_the_variable_the_value_and_the_valid_ones(cuda, monkeypatch, value):
    cuda(1)
    monkeypatch.setenv("LIRA_DEVICE", value)
    with pytest.raises(ValueError) as e:
        distributed.training_device()
    assert "LIRA_DEVICE" in str(e.value) and repr(value) in str(e.value)
    assert "cpu, cuda, cuda:N" in str(e.value)


@pytest.mark.parametrize("value", ["cuda", "cuda:0"])
def test_lira_device_cuda_without_cuda_is_an_error(cuda, monkeypatch, value):
    cuda(0)
    monkeypatch.setenv("LIRA_DEVICE", value)
    with pytest.raises(ValueError, match="CUDA is not available") as e:
        distributed.training_device()
    assert "LIRA_DEVICE" in str(e.value) and repr(value) in str(e.value)


def test_lira_device_beyond_the_cuda_devices_is_an_error(cuda, monkeypatch):
    cuda(2)
    monkeypatch.setenv("LIRA_DEVICE", "cuda:2")
    with pytest.raises(ValueError, match="2 CUDA device"):
        distributed.training_device()


def test_the_default_without_cuda_is_the_real_one_here():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert distributed.training_device() == torch.device("cpu")


# -- a distributed launch -------------------------------------------------------------------------------------------

class _FakeState:
    """Records what ``init`` passes to Accelerate's ``PartialState``."""

    calls: list[dict] = []
    device = torch.device("cuda", 1)

    def __init__(self, cpu: bool = False, **kwargs) -> None:
        type(self).calls.append({"cpu": cpu, **kwargs})


@pytest.fixture
def fake_state(monkeypatch):
    accelerate = pytest.importorskip("accelerate")
    _FakeState.calls = []
    monkeypatch.setattr(accelerate, "PartialState", _FakeState)
    monkeypatch.setenv("WORLD_SIZE", "2")
    return _FakeState


@pytest.mark.parametrize(("count", "env", "cpu"), [
    (1, {}, False), (0, {}, True), (1, {"ACCELERATE_USE_CPU": "true"}, True), (1, {"ACCELERATE_USE_CPU": "1"}, True),
    (1, {"ACCELERATE_USE_CPU": "false"}, False), (1, {"LIRA_DEVICE": "cpu"}, True), (1, {"LIRA_DEVICE": "cuda"}, False),
])
def test_init_picks_nccl_on_the_gpu_else_gloo_on_the_cpu(cuda, monkeypatch, fake_state, count, env, cpu):
    cuda(count)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    distributed.init(timeout_s=5)
    assert fake_state.calls == [{"cpu": cpu, "backend": "gloo" if cpu else "nccl", "timeout": timedelta(seconds=5)}]


def test_init_refuses_an_invalid_lira_device(cuda, monkeypatch, fake_state):
    cuda(1)
    monkeypatch.setenv("LIRA_DEVICE", "gpu0")
    with pytest.raises(ValueError, match="LIRA_DEVICE"):
        distributed.init(timeout_s=5)
    assert fake_state.calls == []


def test_under_a_launch_the_device_is_accelerates(cuda, monkeypatch, fake_state):
    cuda(0)
    monkeypatch.setenv("LIRA_DEVICE", "cpu")  # Accelerate's choice for this rank wins over the variable
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    assert distributed.training_device() == torch.device("cuda", 1)


# -- moving batches -------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class _Batch:
    texts: Texts
    paths: list[DualPath]
    extra: dict[str, object]
    pair: tuple[torch.Tensor, str]
    name: str = "batch"
    count: int = 3


Pair = namedtuple("Pair", ["left", "right"])


def _tensors(value) -> list[torch.Tensor]:
    if torch.is_tensor(value):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in _tensors(getattr(value, f.name))]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _batch() -> _Batch:
    texts = Texts("vie", torch.randn(4, 1, 3), torch.randn(4, 1, 3), torch.tensor([True, False, True, True]))
    paths = [DualPath(torch.randn(2, 2, 1, 3), torch.ones(2, dtype=torch.bool))]
    marker = object()
    extra = {"gains": torch.arange(6.0).reshape(2, 3), "ids": ["d1", "d2"], "marker": marker, "none": None,
             "pair": Pair(torch.zeros(2), "right")}
    return _Batch(texts, paths, extra, (torch.ones(3, dtype=torch.long), "label"))


def test_to_device_moves_every_tensor_of_a_nested_batch_and_leaves_the_rest():
    batch = _batch()
    moved = distributed.to_device(batch, META)
    assert isinstance(moved, _Batch) and isinstance(moved.texts, Texts) and isinstance(moved.paths[0], DualPath)
    assert len(_tensors(moved)) == len(_tensors(batch)) == 8
    assert all(t.device == META for t in _tensors(moved))
    assert all(t.device == torch.device("cpu") for t in _tensors(batch))  # the original is untouched
    for a, b in zip(_tensors(batch), _tensors(moved), strict=True):
        assert (a.shape, a.dtype) == (b.shape, b.dtype)
    assert moved.texts.lang == "vie" and moved.name == "batch" and moved.count == 3 and moved.pair[1] == "label"
    assert moved.extra["ids"] is batch.extra["ids"] and moved.extra["marker"] is batch.extra["marker"]
    assert moved.extra["none"] is None
    assert isinstance(moved.extra["pair"], Pair) and moved.extra["pair"].right == "right"
    assert isinstance(moved.pair, tuple) and isinstance(moved.paths, list)


def test_to_device_on_the_same_device_returns_the_same_objects():
    batch = _batch()
    assert distributed.to_device(batch, "cpu") is batch  # the CPU path copies nothing
    assert distributed.to_device(batch.texts.x, torch.device("cpu")) is batch.texts.x
    for plain in ("text", 3, None, ["a", "b"], {"k": "v"}, ("a", 1)):
        assert distributed.to_device(plain, META) is plain


def test_collective_tensors_are_built_on_the_given_device():
    assert distributed._fingerprint([], META).device == META
    assert distributed._fingerprint([torch.ones(2, device=META)]).device == META


def test_module_device():
    assert distributed.module_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert distributed.module_device(torch.nn.Linear(2, 2).to(META)) == META
    assert distributed.module_device(torch.nn.ReLU()) == torch.device("cpu")
