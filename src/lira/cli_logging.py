"""How the ``lira`` command shows messages: LiRA's log records and Python warnings (from LiRA or a library) as
one clean line each on stderr (``warning: <message>``), with no source paths or code lines.

``setup_logging`` is called by the CLI before each command (library users keep their own logging set-up).
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, TextIO

_HANDLER_NAME = "lira-cli"


class _LineFormatter(logging.Formatter):
    """``<level>: <message>`` in lower case, e.g. ``warning: 3 texts were truncated``."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    logging.getLogger("lira").warning("%s", message)


def setup_logging(*, verbose: bool = False, stream: Any = None) -> None:
    """Send the ``lira`` logger (info and up; debug with ``verbose``) and every Python warning to ``stream``
    (default: the current ``sys.stderr``) as one line each. Calling it again replaces the earlier handler."""
    logger = logging.getLogger("lira")
    for handler in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_LineFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    warnings.showwarning = _show_warning
