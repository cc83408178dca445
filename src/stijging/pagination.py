"""Pagination shared by every app's long lists."""

from __future__ import annotations

from django.core.paginator import Page, Paginator


class CappedPaginator(Paginator):
    """Counts at most `cap` results: a region-wide name search need not count every Jansen. The count
    fetches the first cap + 1 ids in the result's order — or takes them as `ids` from a caller that
    found them more cheaply (registry search) — and a page within them is then fetched by its ids, so
    the (trigram) match is run once a search, not twice."""

    def __init__(self, object_list, per_page, *, cap: int, ids: list[int] | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        if ids is not None:
            self._capped_ids = ids[: cap + 1]

    @property
    def count(self) -> int:  # type: ignore[override]
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
