"""Pagination shared by every app's long lists."""

from __future__ import annotations

from django.core.paginator import Page, Paginator


class CappedPaginator(Paginator):
    """Counts at most CAP results: a region-wide name search need not count every Jansen. The count
    fetches the first CAP + 1 ids in the result's order; a page within them is then fetched by its
    ids, so the (trigram) match is run once a search, not twice."""

    CAP = 1000

    def __init__(self, object_list, per_page, *, cap: int | None = None, first_ids=None, **kwargs):
        """`cap` overrides CAP. `first_ids(limit)`, when given, returns the first `limit` ids of the
        result in its order; a search that finds them more cheaply than by slicing `object_list` passes
        it (registry search)."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = self.CAP if cap is None else cap
        self._first_ids = first_ids

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_capped_ids") and self._first_ids is not None:
            self._capped_ids = list(self._first_ids(self.cap + 1))
        if not hasattr(self, "_capped_ids"):
            rows = self.object_list.values_list("pk", flat=True)  # type: ignore[attr-defined]  # a QuerySet here
            self._capped_ids = list(rows[: self.cap + 1])
        return len(self._capped_ids)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top > self.cap:
            return super().page(number)
        ids = self._capped_ids[bottom:top]
        found = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)}  # type: ignore[attr-defined]
        return Page([found[pk] for pk in ids if pk in found], number, self)

    @property
    def more_than_cap(self) -> bool:
        return self.count > self.cap
