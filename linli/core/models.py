"""The core records every module stands on: areas, organizations, party
organizations, people, accounts with scoped roles, and the audit trail."""

from __future__ import annotations

import functools
import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from linli.core.validators import (
    birth_date_from_id,
    is_valid_id_number,
    mask_id_number,
    mask_phone,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
    today,
    validate_credit_code,
    validate_id_number,
    validate_not_future,
    validate_phone,
)

PATH_SEP = "/"


@functools.lru_cache(maxsize=20_000)
def _char_pinyin(char: str) -> str:
    if char.isascii():  # a foreign name, or a number in a unit's name, is its own key
        return char.lower() if char.isalnum() else ""
    syllables = lazy_pinyin(char, errors="ignore")
    return syllables[0].lower() if syllables else ""


# Surnames read differently from the character's everyday reading (曾 is
# zeng as a surname, ceng elsewhere); applied to a name's first character.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "覃": "qin",
    "翟": "zhai", "乐": "yue", "盖": "ge", "缪": "miao", "种": "chong", "尉": "yu", "员": "yun", "秘": "bi",
    "繁": "po", "召": "shao", "长": "chang", "重": "chong", "薄": "bo", "藏": "zang", "阚": "kan", "那": "na",
}


def pinyin_keys(name: str) -> tuple[str, str]:
    """Initials and full pinyin, lower case: 张三 -> ("zs", "zhangsan").

    Stored on the record so that search is an indexed prefix match instead of
    converting every name on every query. Names are converted a character at
    a time through a cache: a name has no phrase context for pypinyin to use,
    and an import of 20,000 residents would otherwise spend most of its time here.
    """
    chars = [ch for ch in name if not ch.isspace()]
    syllables = [SURNAME_READINGS.get(ch) or _char_pinyin(ch) if i == 0 else _char_pinyin(ch)
                 for i, ch in enumerate(chars)]
    syllables = [s for s in syllables if s]
    return "".join(s[0] for s in syllables), "".join(syllables)


class PinyinSearchable(models.Model):
    """A record found by its name in characters or in pinyin (张三: `zs`, `zhangsan`)."""

    name_initials = models.CharField(max_length=100, blank=True, editable=False)
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    name: str  # each concrete subclass declares its own `name` field

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.fill_derived_fields()
        super().save(*args, **kwargs)

    def fill_derived_fields(self) -> None:
        """Normalize input and refresh the search keys; bulk imports call this too."""
        self.name = self.name.strip()
        self.name_initials, self.name_pinyin = pinyin_keys(self.name)


class Area(models.Model):
    """One node of the administrative tree: city → district → subdistrict →
    community → neighborhood.

    `path` is a materialized path of codes ("310000/310115/310115009/"), so
    "everything under X" is one indexed prefix match, whatever the depth.
    """

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        COMMUNITY = "community", _("Community")
        NEIGHBORHOOD = "neighborhood", _("Neighborhood")

    LEVEL_ORDER: ClassVar[list[str]] = [c.value for c in Level]

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent area"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)

    scope_area_lookups: ClassVar = ("path",)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering: ClassVar = ["path"]
        indexes: ClassVar = [
            # Prefix matches (path LIKE 'x/%') use this index on PostgreSQL
            # whatever the database collation; SQLite ignores the opclass.
            models.Index(fields=["path"], name="core_area_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        parent = self.parent if self.parent_id else None
        self.path = (parent.path if parent is not None else "") + self.code + PATH_SEP
        self.depth = self.path.count(PATH_SEP) - 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.parent_id is None:
            if self.level != self.Level.CITY:
                raise ValidationError({"parent": _("Only a city can be without a parent area.")})
            return
        parent = self.parent
        assert parent is not None  # parent_id is set
        if self.LEVEL_ORDER.index(self.level) != self.LEVEL_ORDER.index(parent.level) + 1:
            raise ValidationError(
                {"level": _("A %(level)s cannot sit directly under a %(parent)s.")
                 % {"level": self.get_level_display(), "parent": parent.get_level_display()}}
            )

    def descendants(self, include_self: bool = True) -> models.QuerySet[Area]:
        qs = Area.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_codes(self) -> list[str]:
        return self.path.rstrip(PATH_SEP).split(PATH_SEP)

    def ancestors(self) -> models.QuerySet[Area]:
        return Area.objects.filter(code__in=self.ancestor_codes()).order_by("depth")


class Organization(PinyinSearchable):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Government agency")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        RESIDENT_UNIT = "resident_unit", _("Resident unit")
        PRIVATE_ENTERPRISE = "private_enterprise", _("Non-public enterprise")
        SOCIAL_ORGANIZATION = "social_organization", _("Social organization")
        PROPERTY_COMPANY = "property_company", _("Property management company")
        SCHOOL = "school", _("School")
        DEPARTMENT = "department", _("Functional department")
        VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                                   validators=[validate_credit_code])
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # How the scoping function finds this record's place (see core/scoping.py).
    scope_area_lookups: ClassVar = ("area__path",)
    scope_organization_lookups: ClassVar = ("id",)
    # Often a person's own mobile: masked like residents' numbers (and in the audit trail).
    sensitive_fields: ClassVar = {"contact_phone": mask_phone}
    search_fields: ClassVar = ("name",)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering: ClassVar = ["name_pinyin", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["name", "area"], name="core_org_unique_name_in_area"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["name_initials"], name="core_org_initials", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organization_detail", args=[self.pk])

    def fill_derived_fields(self) -> None:
        super().fill_derived_fields()
        if self.contact_phone:
            self.contact_phone = normalize_phone(self.contact_phone)
        if self.credit_code:
            self.credit_code = normalize_credit_code(self.credit_code)

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)

class PartyOrganization(models.Model):
    class Level(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("Party working committee")
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General party branch")
        BRANCH = "branch", _("Party branch")
        GROUP = "group", _("Party group")

    LEVEL_ORDER: ClassVar[list[str]] = [c.value for c in Level]

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=32, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("upper organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    secretary = models.ForeignKey(
        "Person", verbose_name=_("secretary"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_area_lookups: ClassVar = ("area__path", "organization__area__path")
    scope_organization_lookups: ClassVar = ("organization_id",)
    search_fields: ClassVar = ("name",)

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(area__isnull=False) | Q(organization__isnull=False),
                name="core_partyorg_attached",
                violation_error_message=_("A party organization is attached to an area or an organization."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party_organization_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.area_id is None and self.organization_id is None:
            errors["area"] = _("Attach the party organization to an area or an organization.")
        if self.level in self.LEVEL_ORDER:  # an unknown level has its own error on the field
            errors.update(self._check_parent())
            errors.update(self._check_children())
        if errors:
            raise ValidationError(errors)

    def _check_parent(self) -> dict[str, Any]:
        parent = self.parent if self.parent_id else None
        if parent is None:
            if self.level == self.Level.GROUP:
                return {"parent": _("A party group belongs to an upper organization: choose one.")}
            return {}
        if self.pk is not None and self.pk in {parent.pk, *(a.pk for a in parent.ancestors())}:
            return {"parent": _("The upper organization cannot be this organization itself or one below it.")}
        if self.LEVEL_ORDER.index(self.level) <= self.LEVEL_ORDER.index(parent.level):
            return {"parent": _("A %(level)s cannot be placed under a %(parent)s: "
                                "choose an upper organization of a higher level.")
                    % {"level": self.get_level_display(), "parent": parent.get_level_display()}}
        return {}

    def _check_children(self) -> dict[str, Any]:
        """A level change must keep every organization below this one at a lower level."""
        if self.pk is None:
            return {}
        not_lower = self.LEVEL_ORDER[: self.LEVEL_ORDER.index(self.level) + 1]
        child = PartyOrganization.objects.filter(parent_id=self.pk, level__in=not_lower).first()
        if child is None:
            return {}
        return {"level": _("%(child)s, below this organization, is a %(child_level)s: "
                           "the level must stay higher than that.")
                % {"child": child.name, "child_level": child.get_level_display()}}

    def ancestors(self) -> list[PartyOrganization]:
        """The upper organizations, from the top down.

        Levels rise strictly going up (see clean()), so the chain is at most
        four long: select_related("parent__parent__parent__parent") fetches
        it with the record. The walk stops at a repeat should a cycle ever be
        written around clean().
        """
        chain: list[PartyOrganization] = []
        seen = {self.pk}
        node = self.parent if self.parent_id else None
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent if node.parent_id else None
        return chain[::-1]

    def descendant_ids(self) -> set[int]:
        """Ids of every organization below this one: one query per level, five levels at most."""
        found: set[int] = set()
        frontier = [self.pk]
        while frontier:
            frontier = [pk for pk in PartyOrganization.objects.filter(parent_id__in=frontier)
                        .values_list("pk", flat=True) if pk not in found]
            found.update(frontier)
        return found


class Person(PinyinSearchable):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, validators=[validate_not_future])
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    id_number = models.CharField(
        _("resident ID number"), max_length=18, null=True, blank=True, validators=[validate_id_number]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    neighborhood = models.ForeignKey(
        Area, verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="residents",
        limit_choices_to={"level": Area.Level.NEIGHBORHOOD},
        db_index=False,  # the (neighborhood, name) and (neighborhood, phone) indexes lead with it
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("works at"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="staff",
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    is_volunteer = models.BooleanField(_("volunteer"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_area_lookups: ClassVar = ("neighborhood__path",)
    scope_organization_lookups: ClassVar = ("organization_id",)
    scope_self_lookups: ClassVar = ("pk",)
    sensitive_fields: ClassVar = {"phone": mask_phone, "id_number": mask_id_number}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering: ClassVar = ["name_pinyin", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(id_number__isnull=False), name="core_person_unique_id_number",
                violation_error_message=_("A person with this ID number is already registered."),
                violation_error_code="duplicate_id_number",
            ),
        ]
        indexes: ClassVar = [
            # The people list: newest-first within a neighborhood, and name search by pinyin.
            models.Index(fields=["neighborhood", "name"], name="core_person_nbhd_name"),
            models.Index(fields=["name_initials"], name="core_person_initials", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="core_person_pinyin", opclasses=["varchar_pattern_ops"]),
            # The list's order (pinyin, like a phone book): the first page reads 50 index entries instead of
            # sorting every resident in scope.
            models.Index(fields=["name_pinyin", "id"], name="core_person_pinyin_order"),
            models.Index(fields=["neighborhood", "phone"], name="core_person_nbhd_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("person_detail", args=[self.pk])

    def fill_derived_fields(self) -> None:
        super().fill_derived_fields()
        if self.phone:
            self.phone = normalize_phone(self.phone)
        self.id_number = normalize_id_number(self.id_number) if self.id_number else None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.neighborhood_id and self.neighborhood.level != Area.Level.NEIGHBORHOOD:
            errors["neighborhood"] = _("Choose a neighborhood (居民区), not a larger area.")
        errors.update(self._agree_with_id_number())
        if errors:
            raise ValidationError(errors)

    def _agree_with_id_number(self) -> dict[str, Any]:
        """Birth date and gender are written in the ID number (GB 11643: digits
        7–14, and the 17th is odd for men): fill them when empty, refuse a
        contradiction."""
        if not self.id_number:
            return {}
        if not is_valid_id_number(self.id_number):
            return {}  # the field's own error says what is wrong
        born = birth_date_from_id(self.id_number)
        gender = self.Gender.MALE if int(self.id_number[16]) % 2 else self.Gender.FEMALE
        errors = {}
        if self.birth_date is None:
            self.birth_date = born
        elif self.birth_date != born and self.birth_date <= today():  # a future date has its own error
            errors["birth_date"] = _("The ID number says this person was born on %(date)s.") % {"date": born}
        if not self.gender:
            self.gender = gender
        elif self.gender != gender:
            errors["gender"] = _("The ID number says this person is %(gender)s.") % {
                "gender": self.Gender(gender).label}
        return errors

    def validate_constraints(self, exclude: Any = None) -> None:
        # The unique-ID constraint is conditional, so Django reports it as a
        # form-wide error; name the field so pages, imports and the API can.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            duplicate = [e for e in general if getattr(e, "code", None) == "duplicate_id_number"]
            if duplicate:
                errors.setdefault("id_number", []).extend(duplicate)
            rest = [e for e in general if e not in duplicate]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    def masked(self, field: str) -> str:
        return self.sensitive_fields[field](getattr(self, field) or "")

    @property
    def masked_phone(self) -> str:
        return self.masked("phone")

    @property
    def masked_id_number(self) -> str:
        return self.masked("id_number")

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        now = today()
        born = self.birth_date
        return now.year - born.year - ((now.month, now.day) < (born.month, born.day))


class PartyMembership(models.Model):
    class Status(models.TextChoices):
        FULL = "full", _("Full member")
        PROBATIONARY = "probationary", _("Probationary member")

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="party_membership"
    )
    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("party organization"), on_delete=models.PROTECT, related_name="members"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FULL)
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True, validators=[validate_not_future])

    class Meta:
        verbose_name = _("party membership")
        verbose_name_plural = _("party memberships")

    def __str__(self) -> str:
        return f"{self.person} @ {self.party_organization}"


class User(AbstractUser):
    person = models.OneToOneField(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    DISTRICT_STAFF = "district_staff", _("District staff")
    SUBDISTRICT_STAFF = "subdistrict_staff", _("Subdistrict staff")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    NEIGHBORHOOD_SECRETARY = "neighborhood_secretary", _("Neighborhood secretary")
    NEIGHBORHOOD_STAFF = "neighborhood_staff", _("Neighborhood staff")
    ORGANIZATION_LIAISON = "organization_liaison", _("Organization liaison")
    VOLUNTEER = "volunteer", _("Volunteer")


class RoleAssignment(models.Model):
    """A role held over a scope: an area (and everything below it) or an organization."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints: ClassVar = [
            # A scope is an area or an organization, never both; only the
            # platform administrator may hold a role without one.
            models.CheckConstraint(
                condition=(Q(area__isnull=True) | Q(organization__isnull=True))
                & (Q(role="platform_admin") | Q(area__isnull=False) | Q(organization__isnull=False)),
                name="core_role_one_scope",
                violation_error_message=_("A role is held over exactly one area or one organization."),
            ),
            # One row per user, role and scope (three constraints because
            # SQLite cannot treat NULLs as equal in one).
            models.UniqueConstraint(fields=["user", "role", "area"], condition=Q(area__isnull=False),
                                    name="core_role_unique_area"),
            models.UniqueConstraint(fields=["user", "role", "organization"], condition=Q(organization__isnull=False),
                                    name="core_role_unique_org"),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(area__isnull=True, organization__isnull=True),
                                    name="core_role_unique_unscoped"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope}"

    @property
    def scope(self) -> Area | Organization | None:
        return self.area or self.organization


class AuditEvent(models.Model):
    """One entry of the append-only audit trail.

    Written by actions.py in the same transaction as the change it records;
    database triggers (migration 0002) refuse UPDATE (and DELETE, on
    PostgreSQL), so not even a bug in the product can rewrite it. SQLite
    drops the trigger when a migration alters this table: such a migration
    must put it back, as 0003 does.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+", db_index=False,  # core_audit_target leads with it
    )
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering: ClassVar = ["-created_at", "-id"]
        # Few indexes: an import writes an event per record. The target index serves a record's history
        # (and lookups by type alone); the action index, with pattern ops, both = and startswith.
        indexes: ClassVar = [
            models.Index(fields=["target_type", "target_id"], name="core_audit_target"),
            models.Index(fields=["action"], name="core_audit_action", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"

    @property
    def action_label(self) -> str:
        """The act in words: `core.person.updated` → 修改."""
        if self.action in AUDIT_ACTION_LABELS:
            return str(AUDIT_ACTION_LABELS[self.action])
        verb = self.action.rsplit(".", 1)[-1]
        return str(AUDIT_VERB_LABELS.get(verb, self.action))

    @property
    def actor_label(self) -> str:
        """Who acted, in words: an account's name, or "system" for seeding, migrations and scheduled jobs."""
        return str(_("System")) if self.actor_id is None and self.actor_name == "system" else self.actor_name

    def _field(self, name: str) -> models.Field | None:
        model = ContentType.objects.get_for_id(self.target_type_id).model_class() if self.target_type_id else None
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:  # a field that has since been removed keeps its name
            return None
        return field if isinstance(field, models.Field) else None

    def _field_label(self, name: str) -> str:
        field = self._field(name)
        return str(field.verbose_name) if field is not None else name

    def _value(self, name: str, value: Any) -> str:
        """A value in words: a choice's label (状态：已记录 → 已提交, not recorded → submitted)."""
        field = self._field(name)
        if not isinstance(value, (dict, list)):
            labels = ({str(key): label for key, label in field.flatchoices} if field is not None and field.choices
                      else AUDIT_DATA_CHOICES.get(name, {}))
            if str(value) in labels:
                return str(labels[str(value)])
        return _audit_value(value)

    def change_rows(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) in words, for pages."""
        return [(self._field_label(name), self._value(name, old), self._value(name, new))
                for name, (old, new) in self.changes.items()]

    def data_rows(self) -> list[tuple[str, str]]:
        rows = []
        for key, value in self.data.items():
            shown = self._field_label(value) if key == "field" and isinstance(value, str) else self._value(key, value)
            rows.append((str(AUDIT_DATA_LABELS.get(key, key)), shown))
        return rows


def _audit_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items()) or "—"
    return str(value)


AUDIT_VERB_LABELS = {"created": _("created"), "updated": _("changed"), "deleted": _("deleted")}
# The labels of coded values an event's details hold that are not a field of its record (a committee seat's
# position on its organization's history): key → {value: label}. Apps add theirs in ready().
AUDIT_DATA_CHOICES: dict[str, dict[str, Any]] = {}
AUDIT_ACTION_LABELS = {
    "core.sensitive_revealed": _("revealed a number"),
    "core.people_exported": _("exported the people list"),
    "core.organizations_exported": _("exported the organization list"),
    "core.party_membership_set": _("set party membership"),
    "core.party_membership_ended": _("ended party membership"),
    "core.role_assigned": _("assigned a role"),
    "core.role_revoked": _("revoked a role"),
    "core.user_created": _("created an account"),
    "core.user_updated": _("changed an account"),
    "core.import_previewed": _("uploaded a file to import"),
    "core.import_confirmed": _("imported a file"),
    "core.import_rejected": _("import refused"),
    "core.import_expired": _("erased an upload never confirmed"),
    "core.demo_seeded": _("demo data"),
    "core.api_token_created": _("created an API token"),
    "core.api_token_revoked": _("revoked an API token"),
}
AUDIT_DATA_LABELS = {
    "field": _("field"), "count": _("rows"), "filters": _("filters"), "unmasked": _("full numbers"),
    "import": _("import"), "row": _("row"), "role": _("role"), "scope": _("scope"), "kind": _("kind"),
    "filename": _("file name"), "rows": _("rows"), "errors": _("errors"), "name": _("name"),
    "files": _("files"), "uploaded_before": _("uploaded before"),
}


class APIToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class ImportJob(models.Model):
    """An uploaded spreadsheet between preview and confirmation."""

    class Kind(models.TextChoices):
        PEOPLE = "people", _("People")
        ORGANIZATIONS = "organizations", _("Organizations")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Has errors")
        # Not confirmed in time: the file and the records it built were erased (`linli purge_uploads`).
        EXPIRED = "expired", _("Expired")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    created_by = models.ForeignKey(User, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The records a preview built, inserted on confirmation; holds numbers in full, so emptied on import.
    checked = models.JSONField(default=dict, blank=True, editable=False, encoder=DjangoJSONEncoder)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
