from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "linli.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from linli.core import demo as core_demo
        from linli.core import imports as core_imports
        from linli.core import models as core_models
        from linli.inspections import demo, imports, models

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
        core_models.AUDIT_DATA_LABELS.update(models.AUDIT_DATA_LABELS)
        # `linli seed_demo` adds the gas-safety campaign after core's records.
        if demo.seed_inspections not in core_demo.DEMO_HOOKS:
            core_demo.DEMO_HOOKS.append(demo.seed_inspections)
        # `linli purge_uploads` erases the establishments' kept uploads with core's.
        if imports.purge_stale_uploads not in core_imports.PURGE_HOOKS:
            core_imports.PURGE_HOOKS.append(imports.purge_stale_uploads)
