"""The shared file cache lists its directory (to cull) once in CULL_EVERY writes, not on every write,
and still culls once it is over its limit."""

from __future__ import annotations

from stijging.core.cache import SharedFileCache


def _cache(tmp_path, max_entries: int) -> SharedFileCache:
    return SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": 2}})


def _files(tmp_path) -> int:
    return sum(1 for path in tmp_path.rglob("*.djcache"))


def test_a_write_does_not_list_the_whole_cache(tmp_path, monkeypatch):
    cache = _cache(tmp_path, 20_000)
    listings = []
    original = SharedFileCache._list_cache_files
    monkeypatch.setattr(
        SharedFileCache, "_list_cache_files", lambda self: listings.append(1) or original(self), raising=True
    )
    for i in range(250):
        cache.set(f"key-{i}", i)
    assert len(listings) == 250 // SharedFileCache.CULL_EVERY == 2
    assert [cache.get(f"key-{i}") for i in (0, 124, 249)] == [0, 124, 249]
    assert _files(tmp_path) == 250


def test_the_cache_is_still_culled_past_its_limit(tmp_path):
    cache = _cache(tmp_path, 50)
    for i in range(3 * SharedFileCache.CULL_EVERY):
        cache.set(f"key-{i}", i)
    # Each look past the limit removes half (CULL_FREQUENCY 2); between two looks at most CULL_EVERY
    # writes come on top.
    assert _files(tmp_path) < 50 + SharedFileCache.CULL_EVERY
    assert cache.get(f"key-{3 * SharedFileCache.CULL_EVERY - 1}") == 3 * SharedFileCache.CULL_EVERY - 1
