"""One error style (issue 10, item 6): a user error is one ``error:`` line and status 2; an internal error is one
line and status 1, with the traceback only behind ``--debug``; warnings are one clean ``warning:`` line."""

from __future__ import annotations

import logging
import warnings

import pytest

import lira.cli
from lira.cli_logging import report_repeats, setup_logging


def _crash() -> None:
    raise ZeroDivisionError("division by zero")


def test_an_internal_error_is_one_line_and_status_1(monkeypatch, capsys):
    monkeypatch.setattr(lira.cli, "app", _crash)
    monkeypatch.delenv("LIRA_DEBUG", raising=False)
    with pytest.raises(SystemExit) as stop:
        lira.cli.main()
    err = capsys.readouterr().err
    assert stop.value.code == 1 and err.count("\n") == 1
    assert "error: internal error (ZeroDivisionError: division by zero); run again with --debug" in err


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(lira.cli, "app", _crash)
    monkeypatch.setenv("LIRA_DEBUG", "1")  # what `lira --debug` sets
    with pytest.raises(ZeroDivisionError):
        lira.cli.main()


def test_warnings_and_log_lines_are_one_clean_line(capsys):
    with warnings.catch_warnings():
        setup_logging()
        warnings.warn("3 of 5 texts were truncated to 512 tokens", UserWarning, stacklevel=1)
        logging.getLogger("lira.training").info("training did not improve dev accuracy; step 0 is kept")
    err = capsys.readouterr().err.splitlines()
    assert err == ["warning: 3 of 5 texts were truncated to 512 tokens",
                   "info: training did not improve dev accuracy; step 0 is kept"]


def test_a_batch_command_shows_each_warning_once_and_counts_the_repeats(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as from many calls, or from worker processes
        setup_logging(once=True)
        for _ in range(3):
            warnings.warn("204 of 204 text(s) have no English translation", UserWarning, stacklevel=1)
        logging.getLogger("lira.training").warning("no built-in lexicon for khm")
        logging.getLogger("lira.training").warning("no built-in lexicon for khm")
        logging.getLogger("lira.training").info("seed 1 done")
        logging.getLogger("lira.training").info("seed 1 done")  # info lines are never held back
        report_repeats()
    assert capsys.readouterr().err.splitlines() == [
        "warning: 204 of 204 text(s) have no English translation", "warning: no built-in lexicon for khm",
        "info: seed 1 done", "info: seed 1 done",
        "info: 3 repeat(s) of 2 warning(s) shown above were not shown again"]
    setup_logging()  # without once (the server): every copy, and nothing to report
    logging.getLogger("lira").warning("slow request")
    logging.getLogger("lira").warning("slow request")
    report_repeats()
    assert capsys.readouterr().err.splitlines() == ["warning: slow request", "warning: slow request"]
