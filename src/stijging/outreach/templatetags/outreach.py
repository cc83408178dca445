from django import template

register = template.Library()


@register.filter
def get_count(counts: dict, key: str):
    """The count for a status; a suppressed one (None) shows as "< 5"."""
    value = counts.get(key, 0)
    return "< 5" if value is None else value


@register.filter
def fill(url_pattern: str, pk) -> str:
    """A link reversed once per page ("/households/{}/") filled in per row: cheaper than {% url %}
    in a loop of dozens of rows."""
    return url_pattern.format(int(pk))


@register.filter
def item(mapping: dict, key):
    return mapping.get(key, "")
