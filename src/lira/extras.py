"""Optional extras (pyproject's ``[project.optional-dependencies]``): ``needs_extra`` turns the ImportError of a
missing package into one that says what needs it and how to install it.

Example::

    with needs_extra("bench", "plotting the benchmark"):
        import matplotlib
    # without matplotlib: ImportError("plotting the benchmark needs the bench extra (matplotlib is missing):
    #                                  pip install 'lira[bench]'")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def install_command(extra: str) -> str:
    """The command that installs ``extra``: ``pip install 'lira[hf]'``."""
    return f"pip install 'lira[{extra}]'"


@contextmanager
def needs_extra(extra: str, what: str) -> Iterator[None]:
    """Re-raise an ImportError in the block as one that names ``what`` (a singular noun phrase), ``extra``, the
    missing package and the install command."""
    try:
        yield
    except ImportError as e:
        missing = e.name.partition(".")[0] if e.name else "a package"  # the distribution, not its submodule
        raise ImportError(f"{what} needs the {extra} extra ({missing} is missing): {install_command(extra)}",
                          name=e.name) from e
