from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def get_count(counts: dict, key: str):
    """The count for a status; a suppressed one (None) shows as "< 5"."""
    value = counts.get(key, 0)
    return "< 5" if value is None else value


@register.filter
def disclosed(cell) -> str:
    """A count of the disclosure layer (privacy.disclosure.Disclosed): the number, "< 5" for one
    under 5, "hidden" for one of 5 or more hidden so that a small one cannot be worked out."""
    if cell.value is not None:
        return cell.value
    return "< 5" if cell.state == "small" else gettext("hidden")


@register.filter
def item(mapping: dict, key):
    return mapping.get(key, "")
