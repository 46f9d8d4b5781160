from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or an empty list: a shift's assignments in a template."""
    return mapping.get(key, [])
