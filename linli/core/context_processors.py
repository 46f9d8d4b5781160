from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from linli.core.scoping import Perm, grants_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may offer this user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    return {
        "nav": {
            "people": grants.any(Perm.VIEW),
            "audit": grants.any(Perm.VIEW_AUDIT),
            "import": grants.any(Perm.IMPORT),
            "admin": user.is_staff,
        },
        "my_roles": grants.roles,
    }
