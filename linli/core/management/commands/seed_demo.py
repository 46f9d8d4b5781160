"""`linli seed_demo`: seed (or complete) the Huamu demo data. `linli demo` runs it at every start."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.core.demo import DEFAULT_PEOPLE, DEFAULT_SEED, DEMO_PASSWORD, demo_totals, seed_demo
from linli.core.models import Role


class Command(BaseCommand):
    # argparse needs plain strings here (Django's own commands leave help untranslated too).
    help = "Seed the Huamu demo: areas, units, party organizations, synthetic residents and one account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE,
                            help="about how many residents to create (default %(default)s)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help="random seed; the same seed gives the same residents")

    def handle(self, *args: Any, people: int, seed: int, verbosity: int, **options: Any) -> None:
        if people < 0:
            raise CommandError(_("--people must be zero or more."))

        def log(step: str) -> None:
            if verbosity >= 2:
                self.stdout.write(_("Seeding %(step)s…") % {"step": step})

        result = seed_demo(people=people, seed=seed, log=log)
        if verbosity == 0:
            return
        totals = demo_totals()
        labels = {
            "areas": _("Areas"),
            "organizations": _("Organizations"),
            "party_organizations": _("Party organizations"),
            "people": _("Residents"),
            "party_members": _("Party members"),
            "volunteers": _("Volunteers"),
            "accounts": _("Accounts"),
        }
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                _("Huamu demo seeded in %(seconds).1f s.") % {"seconds": result.seconds}))
        else:
            self.stdout.write(_("Huamu demo data already present; nothing to add (%(seconds).1f s).")
                              % {"seconds": result.seconds})
        for key, label in labels.items():
            self.stdout.write(_("  %(label)s: %(total)d (%(new)d new)")
                              % {"label": label, "total": totals[key], "new": result.created.get(key, 0)})
        rows = [(a.username, f"{Role(a.role).label}", a.scope or "—", a.display_name) for a in result.accounts]
        header = (_("username"), _("role"), _("scope"), _("name"))
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password for all: %(password)s)") % {"password": DEMO_PASSWORD})
        for row in [header, *rows]:
            self.stdout.write("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
        existing = [a.username for a in result.accounts if not a.created]
        if existing and len(existing) < len(result.accounts):
            self.stdout.write(_("  (accounts that already existed keep their own password: %(names)s)")
                              % {"names": ", ".join(existing)})


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * (width - _width(text))
