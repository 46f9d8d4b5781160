from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from linli.core import demo as core_demo
        from linli.core import models as core_models
        from linli.volunteers import demo, models

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
        for key, label in models.AUDIT_DATA_LABELS.items():
            core_models.AUDIT_DATA_LABELS.setdefault(key, label)
        # `linli seed_demo` adds teams, activities, a roster and hours after core's records.
        if demo.seed_volunteers not in core_demo.DEMO_HOOKS:
            core_demo.DEMO_HOOKS.append(demo.seed_volunteers)
