"""The compliance board's meeting counts (MeetingTally) and 谈心谈话 coverage (TalkTally): kept by actions.py,
rebuilt here from the meetings, their attendance and the committee seats."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

MONTH_COLUMNS = tuple(f"m{m}" for m in range(1, 13))


def add(party_organization_id: int, kind: str, on: datetime.date, delta: int) -> None:
    """Count one meeting more (delta 1) or less (-1) for the organization, kind and month of `on`.

    Safe under concurrency: the row is inserted if missing (a conflict is ignored) and then
    incremented in place, under the row's lock until the caller's transaction ends.
    """
    from django.db.models import F

    from linli.party.models import MeetingTally

    column = f"m{on.month}"
    key = {"party_organization_id": party_organization_id, "kind": kind, "year": on.year}
    MeetingTally.objects.bulk_create([MeetingTally(**key)], ignore_conflicts=True)
    MeetingTally.objects.filter(**key).update(**{column: F(column) + delta})


def insert_select(meeting_model: Any, tally_model: Any) -> tuple[str, tuple[Any, ...]]:
    """INSERT INTO the tally SELECT the meetings grouped by organization, kind and year with a count per
    month: one statement in the database (a migration's backfill of ~800,000 meetings takes seconds)."""
    months = {name: Count("id", filter=Q(held_on__month=m)) for m, name in enumerate(MONTH_COLUMNS, start=1)}
    grouped = (meeting_model.objects.order_by().annotate(y=ExtractYear("held_on"))
               .values("party_organization_id", "kind", "y").annotate(**months)
               .values_list("party_organization_id", "kind", "y", *MONTH_COLUMNS))
    sql, params = grouped.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("party_organization_id", "kind", "year", *MONTH_COLUMNS))
    return f"INSERT INTO {quote(tally_model._meta.db_table)} ({columns}) {sql}", params


def rebuild(meeting_model: Any = None, tally_model: Any = None) -> None:
    """Recompute every tally from the meetings (after meetings were written other than through actions.py,
    e.g. the benchmark's COPY)."""
    if meeting_model is None or tally_model is None:
        from linli.party.models import Meeting, MeetingTally

        meeting_model, tally_model = Meeting, MeetingTally
    from linli.party.models import Attendance, CommitteeMember, TalkTally

    sql, params = insert_select(meeting_model, tally_model)
    talks_sql, talks_params = talks_insert_select(Attendance, CommitteeMember, TalkTally)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(tally_model._meta.db_table)}")
        cursor.execute(sql, params)
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(TalkTally._meta.db_table)}")
        cursor.execute(talks_sql, talks_params)


def _covered(attendance_model: Any, seat_model: Any) -> Any:
    """Per (branch, year): members present at a talk of the branch or one of its groups where someone else
    present held a seat on the branch committee that day (the board's 谈心谈话 coverage)."""
    from django.db.models import Case, Exists, F, OuterRef, When

    held_on = OuterRef("meeting__held_on")
    seat_present = seat_model.objects.filter(
        party_organization_id=OuterRef("branch"), started_on__lte=held_on,
        person__meeting_attendances__meeting_id=OuterRef("meeting_id"),
        person__meeting_attendances__present=True,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=held_on)).filter(~Q(person_id=OuterRef("person_id")))
    return (attendance_model.objects.filter(meeting__kind="talk", present=True, role="member",
                                            person__isnull=False)
            .annotate(branch=Case(When(meeting__party_organization__level="group",
                                       then=F("meeting__party_organization__parent_id")),
                                  default=F("meeting__party_organization_id")),
                      y=ExtractYear("meeting__held_on"))
            .filter(Exists(seat_present)).order_by().values("branch", "y")
            .annotate(n=Count("person_id", distinct=True)))


def talks_insert_select(attendance_model: Any, seat_model: Any, talk_model: Any,
                        branch_ids: list[int] | None = None) -> tuple[str, tuple[Any, ...]]:
    """INSERT INTO the talk tallies SELECT the coverage of `branch_ids` (all branches when None)."""
    covered = _covered(attendance_model, seat_model)
    if branch_ids is not None:
        covered = covered.filter(branch__in=branch_ids)
    sql, params = covered.values_list("branch", "y", "n").query.sql_with_params()
    quote = connection.ops.quote_name
    return (f"INSERT INTO {quote(talk_model._meta.db_table)} ({quote('branch_id')}, {quote('year')}, "
            f"{quote('covered')}) {sql}", params)


def branch_of(party_organization: Any) -> int:
    """The branch whose coverage a talk of this organization counts for: a party group's parent."""
    if party_organization.level == "group" and party_organization.parent_id:
        return int(party_organization.parent_id)
    return int(party_organization.pk)


def recount_talks(branch_id: int) -> None:
    """Recount the branch's 谈心谈话 coverage, every year, under a lock on the branch's row so that two
    transactions changing its talks or seats at once recount one after the other (each sees the other's)."""
    from linli.core.models import PartyOrganization
    from linli.party.models import Attendance, CommitteeMember, TalkTally

    with transaction.atomic():
        PartyOrganization.objects.select_for_update().filter(pk=branch_id).values_list("pk").first()
        TalkTally.objects.filter(branch_id=branch_id).delete()
        sql, params = talks_insert_select(Attendance, CommitteeMember, TalkTally, [branch_id])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _talk_branch(level: str, parent_id: int | None, pk: int) -> int:
    return int(parent_id) if level == "group" and parent_id else int(pk)


def remember_talk_branch(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """pre_save of a party organization: the branch its talks counted for before the change."""
    if raw or instance._state.adding or instance.pk is None:
        return
    from linli.core.models import PartyOrganization

    before = PartyOrganization.objects.filter(pk=instance.pk).values_list("level", "parent_id").first()
    if before is not None:
        instance._talk_branch_before = _talk_branch(before[0], before[1], instance.pk)


def recount_moved_talks(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a party organization: a party group moved to another branch (or a change of level) moves its
    talks' coverage, so both branches are recounted (core's organization edit knows nothing of talks)."""
    before = instance.__dict__.pop("_talk_branch_before", None)
    if raw or before is None:
        return
    after = _talk_branch(instance.level, instance.parent_id, instance.pk)
    if after != before:
        recount_talks(before)
        recount_talks(after)
