"""iCalendar feeds of activities per area (RFC 5545), with the `icalendar` package.

An area's feed holds the activities organized in it and below it, and those
of the areas above it (a street-wide activity is on every neighborhood's
calendar), from 90 days back on. It carries what a notice board would: title,
kind, place, time; never who signed up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from linli.core.documents import verification_token
from linli.core.models import PATH_SEP, Area
from linli.volunteers.models import Activity

TOKEN_KIND = "activity_calendar"
PAST_DAYS = 90


def calendar_key(area: Area) -> str:
    return verification_token(TOKEN_KIND, area.pk)


@dataclass(frozen=True)
class Feed:
    """An area's feed as a page offers it: the address to copy into a calendar app, and the same address as
    webcal://, which opens the subscribe dialog of the phone's or computer's calendar."""

    area: Area
    url: str
    webcal: str


def feed(request: HttpRequest, area: Area) -> Feed:
    path = f"{reverse('volunteers:calendar', args=[area.code])}?{urlencode({'key': calendar_key(area)})}"
    url = request.build_absolute_uri(path)
    return Feed(area=area, url=url, webcal="webcal://" + url.split("://", 1)[1])


def activities_for_calendar(area: Area) -> QuerySet[Activity]:
    codes = area.path.rstrip(PATH_SEP).split(PATH_SEP)
    since = timezone.now() - datetime.timedelta(days=PAST_DAYS)
    return (Activity.objects.filter(Q(area__path__startswith=area.path) | Q(area__code__in=codes))
            .filter(ends_at__gte=since).select_related("area").order_by("starts_at", "id"))


def ical(area: Area) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//linli//volunteers//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{area.name} 志愿服务活动")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for activity in activities_for_calendar(area):
        event = Event()
        event.add("uid", f"activity-{activity.pk}@linli")
        event.add("summary", activity.title)
        event.add("dtstart", activity.starts_at)
        event.add("dtend", activity.ends_at)
        event.add("dtstamp", activity.created_at)
        event.add("location", activity.place)
        event.add("categories", [str(activity.get_kind_display())])
        if activity.description:
            event.add("description", activity.description)
        cal.add_component(event)
    return cal.to_ical()


def response(area: Area) -> HttpResponse:
    resp = HttpResponse(ical(area), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="activities-{area.code}.ics"'
    return resp
