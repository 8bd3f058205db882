"""Data-parallel training across the processes ``accelerate launch`` starts (Hugging Face Accelerate).

``accelerate launch --num_processes N -m lira train arca|lasr --config C --out DIR`` runs the same command in N
processes (on one machine or several). Every rank builds the same data and draws the same global batch each step
(LiRA's trainers seed their sampling by step); the row-wise forward passes (``data_parallel``: Arca's paths and
Actor, the LaSR head) are split by rows across the ranks, and their outputs gathered back with their gradients,
so each rank computes the loss of the whole global batch exactly as one process would; ``sync_gradients``
averages the gradients (an all-reduce) before the optimizer step. The loss, the parameters and the gradients are
then those of a single process with the same global batch, up to float summation order, and identical on every
rank. Dropout draws its masks per rank, so with dropout > 0 the runs are equally valid but not bitwise comparable.

Rank 0 alone writes the run folder (checkpoints, kept weights, model, summaries): the other ranks write theirs to a
private temporary folder (a copy of the run folder when resuming) deleted at the end (``rank_run_folder``).
Before training, every rank's config must equal rank 0's (``check_same_config``; the fields that differ are
named), and each split forward checks that every rank holds the same batch. Collectives time out after
``$LIRA_DIST_TIMEOUT`` seconds (default 600), so a lost rank ends the run with an error, never a hang.

Devices (``training_device``): each rank trains on the device Accelerate gives it: its GPU (``cuda:<local
rank>``) with the NCCL backend when CUDA is available, else the CPU with gloo (also with ``accelerate launch
--cpu``, which sets ``ACCELERATE_USE_CPU``, or ``LIRA_DEVICE=cpu``). The trainers move their modules and each
batch there (``to_device``) and bring weights, metrics and the returned model back to the CPU. The collectives
here build their tensors on the device of the tensors they check (NCCL only reduces CUDA tensors); the object
collectives (``check_same_config``, the run folder's claim) work under NCCL because ``PartialState`` has set
each rank's CUDA device. Only the CPU path (gloo) has been run; the GPU path (NCCL, CUDA tensors) has not.

A single process (no ``WORLD_SIZE`` > 1 in the environment) trains on ``$LIRA_DEVICE`` (``cpu``, ``cuda``,
``cuda:N``) when set, else on ``cuda`` when available, else on the CPU, exactly as before: ``data_parallel``
returns the module itself and ``sync_gradients`` does nothing.

Reference: Li et al. 2020, "PyTorch Distributed: Experiences on Accelerating Data Parallel Training" (VLDB).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch

from lira.extras import needs_extra
from lira.training.run_folder import RECORD, RunFolderError, canonical, config_hash, differences

DEFAULT_TIMEOUT_S = 600.0
LOSS_TOLERANCE = 1e-5  # relative: every rank computes the same global loss


class DistributedError(RunFolderError):
    """Ranks of one run that disagree (config, data or state); the message names what differs."""


def world_size() -> int:
    """How many processes train together (1 without a distributed launch)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size()
    return 1


def rank() -> int:
    """This process's rank (0 without a distributed launch)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank()
    return 0


def is_main_process() -> bool:
    """Whether this process writes files (rank 0)."""
    return rank() == 0


def launched() -> bool:
    """Whether this process was started as one of several (``accelerate launch``, ``torchrun``: ``WORLD_SIZE``)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


DEVICE_VARIABLE = "LIRA_DEVICE"
_TRUE = ("1", "true", "yes", "y", "t", "on")  # accelerate's truthy flag values (``ACCELERATE_USE_CPU``)


def _requested_device() -> torch.device | None:
    """The device ``$LIRA_DEVICE`` names (``cpu``, ``cuda``, ``cuda:N``), or None when it is unset or empty;
    raises ``ValueError`` naming the variable, its value and the valid ones for anything else, or for a CUDA
    device this machine does not have."""
    value = os.environ.get(DEVICE_VARIABLE, "").strip()
    if not value:
        return None
    valid = "cpu, cuda, cuda:N (N: a CUDA device index)"
    name = value.lower()
    index: int | None = None
    if name.startswith("cuda:") and name[5:].isdigit():
        index = int(name[5:])
    elif name not in ("cpu", "cuda"):
        raise ValueError(f"{DEVICE_VARIABLE}={value!r} is not a device LiRA trains on; valid values: {valid}")
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"{DEVICE_VARIABLE}={value!r} asks for CUDA, but CUDA is not available here (torch "
                         f"{torch.__version__}); valid values: {valid}, and only cpu without CUDA")
    if index is not None and index >= torch.cuda.device_count():
        raise ValueError(f"{DEVICE_VARIABLE}={value!r}: this machine has {torch.cuda.device_count()} CUDA "
                         f"device(s), cuda:0 to cuda:{torch.cuda.device_count() - 1}; valid values: {valid}")
    return torch.device("cuda", index) if index is not None else torch.device("cuda")


def _use_cpu() -> bool:
    """Whether the ranks of a distributed launch train on the CPU: no CUDA, ``accelerate launch --cpu``
    (``ACCELERATE_USE_CPU``) or ``LIRA_DEVICE=cpu``."""
    requested = _requested_device()
    return (not torch.cuda.is_available() or os.environ.get("ACCELERATE_USE_CPU", "").strip().lower() in _TRUE
            or (requested is not None and requested.type == "cpu"))


def init(timeout_s: float | None = None) -> int:
    """Join the process group of a distributed launch (Accelerate's ``PartialState``: NCCL on this rank's GPU
    when CUDA is available, else gloo on the CPU; see ``training_device``); returns the world size. Does nothing
    for a single process."""
    if not launched() or world_size() > 1:
        return world_size()
    with needs_extra("hf", "a distributed launch (accelerate launch, torchrun)"):
        from accelerate import PartialState

    seconds = timeout_s if timeout_s is not None else float(os.environ.get("LIRA_DIST_TIMEOUT", DEFAULT_TIMEOUT_S))
    cpu = _use_cpu()
    PartialState(cpu=cpu, backend="gloo" if cpu else "nccl", timeout=timedelta(seconds=seconds))
    return world_size()


def training_device() -> torch.device:
    """The device this process trains on. Under a distributed launch (after ``init``): the one Accelerate gave
    this rank (``PartialState().device``: its GPU, or the CPU). A single process: ``$LIRA_DEVICE`` when set
    (``cpu``, ``cuda``, ``cuda:N``; anything else, or CUDA on a machine without it, is a ``ValueError``), else
    ``cuda`` when available, else the CPU."""
    if world_size() > 1:
        from accelerate import PartialState

        return torch.device(PartialState().device)
    requested = _requested_device()
    if requested is not None:
        return requested
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of ``module``'s first parameter (the CPU for a module without parameters)."""
    first = next(iter(module.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


def to_device(value: Any, device: torch.device | str) -> Any:
    """``value`` with every tensor in it moved to ``device``: tensors, dataclasses (a copy with its fields
    moved), tuples, lists and dicts of them, nested; anything else is left alone. A structure with nothing to
    move (no tensor, or every tensor already there) comes back as the same object."""
    if torch.is_tensor(value):
        return value.to(device)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.init]
        moved = {name: to_device(getattr(value, name), device) for name in fields}
        if all(moved[name] is getattr(value, name) for name in fields):
            return value
        return dataclasses.replace(value, **moved)
    if isinstance(value, list | tuple):
        items = [to_device(v, device) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        if isinstance(value, list):
            return items
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)  # a namedtuple: by position
    if isinstance(value, dict):
        entries = {k: to_device(v, device) for k, v in value.items()}
        if all(entries[k] is value[k] for k in value):
            return value
        return type(value)(entries) if type(value) is not dict else entries
    return value


def check_same_config(config: dict[str, Any], what: str = "config") -> None:
    """Raise ``DistributedError`` on every rank when some rank's ``config`` differs from rank 0's, naming the
    rank and the fields."""
    if world_size() == 1:
        return
    mine = (config_hash(config), canonical(config))
    gathered: list[Any] = [None] * world_size()
    torch.distributed.all_gather_object(gathered, mine)
    reference = gathered[0]
    for r, (digest, other) in enumerate(gathered):
        if digest != reference[0]:
            raise DistributedError(f"accelerate launch: rank {r}'s {what} differs from rank 0's; fields that differ "
                                   f"(rank 0 -> rank {r}): {'; '.join(differences(reference[1], other))}")


def shutdown() -> None:
    """Leave the process group, if joined. Run before the interpreter exits, also on an error: a process that
    exits with the group's threads still running can abort (``terminate called without an active exception``,
    SIGABRT) after its error was printed, and its status is then -6 instead of the error's."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def barrier() -> None:
    """Wait for every rank (no-op for a single process)."""
    if world_size() > 1:
        torch.distributed.barrier()


@contextmanager
def rank_run_folder(out_dir: str | Path, *, resume: bool) -> Iterator[Path]:
    """The folder this rank writes its run to: ``out_dir`` on rank 0; elsewhere a private temporary folder (with a
    copy of ``out_dir``'s record, checkpoints and kept weights when resuming), deleted afterwards."""
    out_dir = Path(out_dir)
    if is_main_process():
        yield out_dir
        return
    scratch = Path(tempfile.mkdtemp(prefix=f"lira-rank{rank()}-"))
    try:
        if resume:
            if not (out_dir / RECORD).is_file():
                raise DistributedError(f"--resume on rank {rank()}: {out_dir / RECORD} is not readable here; every "
                                       "rank reads the run folder to resume (a folder shared by the nodes)")
            shutil.copy2(out_dir / RECORD, scratch / RECORD)
            for name in ("checkpoints", "best"):
                if (out_dir / name).is_dir():
                    shutil.copytree(out_dir / name, scratch / name)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclasses.dataclass
class RankRun:
    """This rank's part of a ``lira train`` run: the ``folder`` it writes, whether it is the writing rank
    (``is_main``), and the ``overwrite`` flag to pass on (rank 0 has already claimed the run folder)."""

    folder: Path
    is_main: bool
    overwrite: bool


def _broadcast_text(text: str | None) -> str | None:
    box: list[Any] = [text]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


@contextmanager
def distributed_run(out_dir: str | Path, config: dict[str, Any], *, resume: bool,
                    overwrite: bool) -> Iterator[RankRun]:
    """What ``lira train`` runs inside: join the launch, check that every rank has rank 0's config, let rank 0
    claim the run folder (``lira.training.run_folder``; its refusal ends every rank) and give this rank its
    ``RankRun``; the process group is left on the way out (``shutdown``), error or not. A single process gets
    ``RankRun(out_dir, True, overwrite)`` and nothing else happens."""
    if not launched():
        yield RankRun(Path(out_dir), True, overwrite)
        return
    init()
    try:
        check_same_config(config)
        problem = None
        if is_main_process():
            from lira.training.run_folder import claim_run_folder

            try:
                claim_run_folder(out_dir, config, resume=resume, overwrite=overwrite)
            except RunFolderError as e:
                problem = str(e)
        problem = _broadcast_text(problem)
        if problem:
            raise RunFolderError(problem)
        with rank_run_folder(out_dir, resume=resume) as folder:
            barrier()  # the copies exist before rank 0 writes anything new
            # rank 0 claimed its folder above (the run may now replace what it recorded); the scratch folders are new
            yield RankRun(folder, is_main_process(), overwrite=not resume)
            barrier()
    finally:
        shutdown()


# -- the split forward ------------------------------------------------------------------------------------------

def _shard(n: int) -> tuple[int, int, list[int]]:
    world, me = world_size(), rank()
    counts = [n // world + (1 if r < n % world else 0) for r in range(world)]
    lo = sum(counts[:me])
    return lo, lo + counts[me], counts


class _GatherRows(torch.autograd.Function):
    """All ranks' rows of a tensor, in rank order; the backward pass sums the gradients of every rank (each
    computed the same loss) and keeps this rank's rows."""

    @staticmethod
    def forward(ctx: Any, local: torch.Tensor, counts: list[int]) -> torch.Tensor:
        ctx.counts = counts
        size = max(counts)
        padded = local.new_zeros((size, *local.shape[1:]))
        padded[: local.shape[0]] = local
        parts = [torch.empty_like(padded) for _ in counts]
        torch.distributed.all_gather(parts, padded.contiguous())
        return torch.cat([p[:c] for p, c in zip(parts, counts, strict=True)])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        grad = grad.contiguous().clone()
        torch.distributed.all_reduce(grad)
        lo = sum(ctx.counts[: rank()])
        return grad[lo: lo + ctx.counts[rank()]], None


def gather_rows(local: torch.Tensor, counts: list[int]) -> torch.Tensor:
    """Concatenate every rank's ``local`` rows (``counts[r]`` rows on rank ``r``), differentiably."""
    return _GatherRows.apply(local, counts)


def _rows(value: Any) -> int | None:
    if torch.is_tensor(value) and value.ndim:
        return int(value.shape[0])
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and hasattr(value, "z"):
        return int(value.z.shape[0])  # a DualPath
    return None


def _slice(value: Any, n: int, lo: int, hi: int) -> Any:
    if torch.is_tensor(value) and value.ndim and value.shape[0] == n:
        return value[lo:hi]
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and _rows(value) == n:
        return dataclasses.replace(value, **{f.name: _slice(getattr(value, f.name), n, lo, hi)
                                             for f in dataclasses.fields(value)})
    if isinstance(value, list | tuple) and len(value) == n and not isinstance(value, str):
        return type(value)(value[lo:hi])
    return value


def _gather(value: Any, counts: list[int]) -> Any:
    if torch.is_tensor(value):
        return gather_rows(value, counts)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _gather(getattr(value, f.name), counts)
                                             for f in dataclasses.fields(value)})
    if isinstance(value, tuple):
        return tuple(_gather(v, counts) for v in value)
    return value


def _fingerprint(values: Iterable[Any], device: torch.device | None = None) -> torch.Tensor:
    """Sums and sums of squares (float64) of the tensors in ``values`` (DualPaths, lists of them included), on
    their device (``device`` when there is no tensor)."""
    out: list[torch.Tensor] = []
    for value in values:
        if torch.is_tensor(value):
            v = value.detach().double()
            out += [v.sum(), (v * v).sum()]
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.append(_fingerprint((getattr(value, f.name) for f in dataclasses.fields(value)), device).sum())
    return torch.stack(out) if out else torch.zeros(1, dtype=torch.float64, device=device)


def _same_everywhere(local: torch.Tensor, what: str) -> None:
    parts = [torch.empty_like(local) for _ in range(world_size())]
    torch.distributed.all_gather(parts, local.contiguous())
    for r, other in enumerate(parts):
        if not torch.allclose(other, parts[0], rtol=LOSS_TOLERANCE, atol=1e-9):
            raise DistributedError(f"{what} differs between rank 0 and rank {r}; every rank must read the same data, "
                                   "backbones and code (same files and LiRA version on every node)")


class RowParallel:
    """Calls ``module`` on this rank's rows of its per-row arguments and gathers every rank's outputs (see the
    module docstring); any other attribute is the module's."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        n = next((r for r in map(_rows, [*args, *kwargs.values()]) if r is not None), None)
        if n is None or n < world_size():  # too few rows to split: every rank computes all (gradients averaged)
            return self.module(*args, **kwargs)
        device = module_device(self.module) if isinstance(self.module, torch.nn.Module) else None
        _same_everywhere(_fingerprint([*args, *kwargs.values()], device), "the training batch")
        lo, hi, counts = _shard(n)
        out = self.module(*(_slice(a, n, lo, hi) for a in args), **{k: _slice(v, n, lo, hi) for k, v in kwargs.items()})
        return _gather(out, counts)

    def option_outputs(self, *args: Any, **kwargs: Any) -> Any:
        """LaSR's multiple-choice outputs, its inner forward split like any call."""
        return type(self.module).option_outputs(self, *args, **kwargs)


def data_parallel(module: Any) -> Any:
    """``module`` itself for a single process, else a ``RowParallel`` over it."""
    return module if world_size() == 1 else RowParallel(module)


def sync_gradients(parameters: Iterable[torch.nn.Parameter], loss: torch.Tensor | None = None) -> None:
    """Average the gradients of ``parameters`` over the ranks (one all-reduce), after checking that every rank
    computed the same ``loss`` and holds the same parameters; no-op for a single process."""
    if world_size() == 1:
        return
    params = [p for p in parameters if p.requires_grad]
    # on the parameters' (or the loss's) device: NCCL reduces CUDA tensors only
    device = params[0].device if params else loss.device if loss is not None else training_device()
    state = [loss.detach().double().reshape(1) if loss is not None else torch.zeros(1, dtype=torch.float64)]
    state += [p.detach().double().sum().reshape(1) for p in params]  # no copy to the host per parameter
    _same_everywhere(torch.cat([t.to(device) for t in state]), "the loss or the parameters")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1).double() for g in grads])
    torch.distributed.all_reduce(flat)
    flat /= world_size()
    at = 0
    for g in grads:
        g.copy_(flat[at: at + g.numel()].view_as(g).to(g.dtype))
        at += g.numel()
