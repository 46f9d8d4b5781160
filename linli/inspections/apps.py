from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "linli.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from linli.core import models as core_models
        from linli.inspections import models

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
        core_models.AUDIT_DATA_LABELS.update(models.AUDIT_DATA_LABELS)
