from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "linli.party"
    label = "party"
    verbose_name = _("Party work")

    def ready(self) -> None:
        # The audit trail's pages name each app's events in words; core keeps the registry.
        from django.db.models.signals import post_save, pre_save

        from linli.core import demo as core_demo
        from linli.core import models as core_models
        from linli.party import demo, models, tally

        core_models.AUDIT_ACTION_LABELS.update(models.AUDIT_ACTION_LABELS)
        for key, label in models.AUDIT_DATA_LABELS.items():  # a key another app already names keeps its label
            core_models.AUDIT_DATA_LABELS.setdefault(key, label)
        core_models.AUDIT_DATA_CHOICES.setdefault("position", dict(models.CommitteeMember.Position.choices))
        # `linli seed_demo` adds committees, meetings and the secretaries' training after core's records.
        hooks = getattr(core_demo, "DEMO_HOOKS", None)
        if hooks is not None and demo.seed_party not in hooks:
            hooks.append(demo.seed_party)
        # 谈心谈话 coverage follows a party group moved to another branch by core's organization edit.
        pre_save.connect(tally.remember_talk_branch, sender=core_models.PartyOrganization,
                         dispatch_uid="party_talk_branch_before")
        post_save.connect(tally.recount_moved_talks, sender=core_models.PartyOrganization,
                          dispatch_uid="party_talk_branch_after")
