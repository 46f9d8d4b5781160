from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "linli.problems"
    label = "problems"
    verbose_name = _("Problems and rectification")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from linli.core import demo as core_demo
        from linli.core import models as core_models
        from linli.problems import demo, models

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
        core_models.AUDIT_DATA_LABELS.update(models.AUDIT_DATA_LABELS)
        # `linli seed_demo` adds the street office branch's 主题教育 problem list after core's records.
        if demo.seed_problems not in core_demo.DEMO_HOOKS:
            core_demo.DEMO_HOOKS.append(demo.seed_problems)
