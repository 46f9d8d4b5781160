from typing import Any

from django.core.management.base import BaseCommand

from linli.party.demo import seed_party_demo


class Command(BaseCommand):
    help = "Add party demo data (committees, this year's meetings with gaps, the 2020 secretaries' training) " \
           "to the Huamu demo. Run after seed_demo; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_party_demo()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.created.items()))
