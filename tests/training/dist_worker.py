"""Runs ``lira`` (as ``python -m lira`` would) and records, for the distributed-training tests, each training
step's loss and the last weights each rank saved: ``$LIRA_TEST_RECORD/rank<R>.json`` and
``rank<R>-<module>.safetensors`` (the losses of several commands in a row are appended). Started directly (one
process) or by ``accelerate launch`` (several)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from lira.arca.model import ArcaModel
from lira.cli import main
from lira.lasr.head import LaSRHead
from lira.training import distributed

RECORD = Path(os.environ["LIRA_TEST_RECORD"])
losses: list[float] = []
_sync = distributed.sync_gradients


def _recording_sync(parameters, loss=None):
    _sync(list(parameters), loss)
    losses.append(float(loss.detach()))


def _recording_save(cls, stem):
    original = cls.save

    def save(self, folder):
        state = {k: v.detach().cpu().contiguous().clone() for k, v in self.state_dict().items()}
        save_file(state, str(RECORD / f"rank{distributed.rank()}-{stem}.safetensors"))
        return original(self, folder)

    cls.save = save


distributed.sync_gradients = _recording_sync
_recording_save(ArcaModel, "arca")
_recording_save(LaSRHead, "lasr")
RECORD.mkdir(parents=True, exist_ok=True)
sys.argv = ["lira", *sys.argv[1:]]
try:
    main()
finally:  # the launcher's rank and world size: the run has left its process group by now
    path = RECORD / f"rank{os.environ.get('RANK', '0')}.json"  # several commands append to one record
    before = json.loads(path.read_text())["losses"] if path.is_file() else []
    path.write_text(json.dumps({"losses": before + losses, "world": int(os.environ.get("WORLD_SIZE", "1"))}))
