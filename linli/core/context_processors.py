from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from linli.core.models import Area, Organization, PartyOrganization, Person
from linli.core.scoping import Perm, grants_for, has_rows


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may offer this user: only the pages that show them something."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)

    def entries() -> dict[str, Any]:
        from linli.needs.queries import team_ids as needs_team_ids  # core does not import apps at load time

        return {
            "areas": has_rows(user, Area),
            "people": has_rows(user, Person),
            "organizations": has_rows(user, Organization),
            "party_organizations": has_rows(user, PartyOrganization),
            "needs": grants.any(Perm.VIEW),
            # The dispatch board: the center in its areas, and a team's liaison or volunteers for its orders.
            "needs_dispatch": grants.any(Perm.VIEW) or bool(needs_team_ids(user)),
            "inspections": grants.any(Perm.VIEW),
            "audit": grants.any(Perm.VIEW_AUDIT),
            "import": grants.any(Perm.IMPORT),
            "admin": user.is_staff,
            "my_record": user.person_id,
        }

    # Lazy: a fragment for htmx renders no menu and should not pay for it.
    return {"nav": SimpleLazyObject(entries), "my_roles": grants.roles}
