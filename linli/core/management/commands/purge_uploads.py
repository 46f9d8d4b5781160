"""`linli purge_uploads`: erase uploaded spreadsheets that were never confirmed. Run it daily (cron, a
systemd timer): an upload holds residents' and owners' numbers in full and is needed only until it is
confirmed or corrected."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import imports


class Command(BaseCommand):
    # argparse needs plain strings here (Django's own commands leave help untranslated too).
    help = "Erase uploaded spreadsheets (imports of people, organizations, establishments) never confirmed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24,
                            help="erase uploads older than this many hours (default %(default)s)")

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        if hours < 1:
            raise CommandError(_("--hours must be 1 or more."))
        before = timezone.now() - datetime.timedelta(hours=hours)
        erased = imports.purge_stale_imports(before=before)
        for hook in imports.PURGE_HOOKS:
            erased += hook(before=before)
        self.stdout.write(_("%(n)s uploads older than %(hours)s hours erased.") % {"n": erased, "hours": hours})
