from django import template

from linli.party.queries import Rollup

register = template.Library()


@register.simple_tag
def missing_count(rollup: Rollup, kind: str) -> int:
    """Periods of `kind` missing in the roll-up (dictionary lookup by a variable key)."""
    return rollup.missing_by_kind.get(kind, 0)


@register.filter
def lookup(mapping: dict, key: object) -> object:
    """mapping[key], or 0 when absent (a count by a variable key)."""
    return mapping.get(key, 0)
