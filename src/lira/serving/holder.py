"""``IndexHolder``: the index a server searches, swapped whole on reload.

A reload opens the new current version completely (documents, backend, checks) before one reference swap under
a lock; each request takes the reference once (``use``) and keeps that version to its end, so concurrent
searches see the old or the new version, never a mix. The old version is closed when its last request is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lira.serving.index import LoadedIndex, current_version, open_index


class IndexHolder:
    """Holds the ``LoadedIndex`` of ``root``; ``check(index)`` returns why a newly opened version cannot be
    served by this server (its model), or None."""

    def __init__(self, root: Path, *, check: Callable[[LoadedIndex], str | None] = lambda index: None) -> None:
        self.root, self.check = Path(root), check
        self._swap = threading.Lock()
        self._reloading = threading.Lock()
        index = open_index(self.root)
        self._refuse(index)
        self._index = index

    def _refuse(self, index: LoadedIndex) -> None:
        reason = self.check(index)
        if reason:
            index.retire()
            raise ValueError(f"{self.root} (version {index.version}): {reason}")

    @property
    def current(self) -> LoadedIndex:
        """The version new requests get (for display; requests use ``use``)."""
        return self._index

    @contextmanager
    def use(self) -> Iterator[LoadedIndex]:
        """The current version, held for the length of one request."""
        with self._swap:
            index = self._index
            index.acquire()
        try:
            yield index
        finally:
            index.release()

    def reload(self) -> tuple[bool, str]:
        """Load the version ``CURRENT`` names now, if it is not the one served; ``(changed, version)``. A version
        that fails to open or to pass ``check`` raises and leaves the served one in place."""
        with self._reloading:
            version = current_version(self.root)
            if version is None or version == self._index.version:
                return False, self._index.version
            index = open_index(self.root, version)
            self._refuse(index)
            with self._swap:
                old, self._index = self._index, index
            old.retire()
            return True, index.version

    def close(self) -> None:
        """Close the served version (after its requests)."""
        self._index.retire()
