"""The cache the server's workers and `stijging tick` share (settings.CACHES): Django's file-based
cache, which decides on every write whether to cull by listing every file of the cache. At a
region's size the cache holds thousands of kept figures, drawn tables and disclosure layouts, and
that listing cost ~20 ms of a core per write: a first visit of an area's figures writes some
seventeen entries and spent a third of its time listing the directory. Here a process looks only
every CULL_EVERY writes; the cache may then run that many writes per process past MAX_ENTRIES before
it is culled, which a limit of 20,000 entries easily bears."""

from __future__ import annotations

import itertools

from django.core.cache.backends.filebased import FileBasedCache


class SharedFileCache(FileBasedCache):
    CULL_EVERY = 100

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes = itertools.count(1)  # next() is atomic under the GIL: threads share it safely

    def _cull(self):
        if next(self._writes) % self.CULL_EVERY == 0:
            super()._cull()  # type: ignore[misc]  # Django's own, not in its type stubs
