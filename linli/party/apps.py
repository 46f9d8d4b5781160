from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "linli.party"
    label = "party"
    verbose_name = _("Party work")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from linli.core import models as core_models
        from linli.party import models

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
