"""How the ``lira`` command shows messages: LiRA's log records and Python warnings (from LiRA or a library) as
one clean line each on stderr (``warning: <message>``), with no source paths or code lines.

``setup_logging`` is called by the CLI before each command (library users keep their own logging set-up). With
``once``, a warning is shown the first time its text is seen: a benchmark's worker processes and its many
evaluations would otherwise repeat the same data warning hundreds of times. ``report_repeats`` then says, in one
line at the end of the command, how many repeats were not shown, so none is dropped unsaid.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections import Counter
from typing import Any, TextIO

_HANDLER_NAME = "lira-cli"


class _LineFormatter(logging.Formatter):
    """``<level>: <message>`` in lower case, e.g. ``warning: 3 texts were truncated``."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


class _Repeats(logging.Filter):
    """Passes each distinct warning text once and counts every copy (``counts``: text -> times seen); other
    levels always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        self.counts[message] += 1
        return self.counts[message] == 1


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    logging.getLogger("lira").warning("%s", message)


def setup_logging(*, verbose: bool = False, stream: Any = None, once: bool = False) -> None:
    """Send the ``lira`` logger (info and up; debug with ``verbose``) and every Python warning to ``stream``
    (default: the current ``sys.stderr``) as one line each; with ``once``, each warning text only the first time
    (``report_repeats`` counts the rest). Calling it again replaces the earlier handler."""
    logger = logging.getLogger("lira")
    for handler in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_LineFormatter())
    if once:
        handler.addFilter(_Repeats())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    warnings.showwarning = _show_warning


def report_repeats() -> None:
    """One ``info:`` line saying how many repeats of how many warnings the CLI's handler did not show (nothing
    when there were none, or without ``once``)."""
    for handler in logging.getLogger("lira").handlers:
        for repeats in (f for f in handler.filters if isinstance(f, _Repeats)):
            copies = [n - 1 for n in repeats.counts.values() if n > 1]
            if copies:
                logging.getLogger("lira").info("%d repeat(s) of %d warning(s) shown above were not shown again",
                                               sum(copies), len(copies))
