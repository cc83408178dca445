from django import template

register = template.Library()


@register.filter
def get_count(counts: dict, key: str):
    """The count for a status; a suppressed one (None) shows as "< 5"."""
    value = counts.get(key, 0)
    return "< 5" if value is None else value


@register.filter
def item(mapping: dict, key):
    return mapping.get(key, "")
