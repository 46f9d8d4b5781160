"""The volunteers part of the Huamu demo (called by core's `seed_demo`, see VolunteersConfig.ready).

- teams: the street's volunteer association, the garbage-sorting teams of
  the neighborhoods core created them for (from 14 years), the science
  museum's unit team, and a student practice group;
- volunteers in the newsletter's four neighborhoods (联洋二, 培花一, 东城七,
  牡丹四), registered by staff with the consent recorded on a signed form
  (the demo `volunteer` account among them, so its page has a history), and
  a 培花一 resident `ph1volunteer` registered by their own hand;
- the newsletter's neighborhood activities — 联洋二's red-culture visit,
  培花一's visit to the garbage-disposal site, 东城七's visit to the dance
  center, 牡丹四's farm day — held in the past weeks with sign-ups, check-in
  and check-out (the hours they credit), and one upcoming activity each;
- a garbage-sorting roster at each neighborhood's collection point 3, two
  shifts a day over a week: the past days attended (hours in the ledger),
  the coming days partly filled (the gaps show);
- a few hours entered by staff, one corrected by a reversing entry, and one
  double entry left for the anomaly page to flag;
- one 联洋二 volunteer who withdrew their consent and registered again: two
  consent periods on their page.

Everything goes through linli.volunteers.actions, as the pages would: as the
system (actor=None, as core's demo does), and as the street's demo staff
account `huamu` where an action names the staff member (registration with
consent, hours entered by hand, corrections).
Idempotent: nothing is added once the association's team exists.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.models import Area, Person, Role, User
from linli.volunteers import actions
from linli.volunteers.models import Activity, Team, Volunteer

ASSOCIATION = "花木街道志愿者协会"
FEATURED = ("联洋二", "培花一", "东城七", "牡丹四")
VOLUNTEERS_PER_NEIGHBORHOOD = 16
# (neighborhood, title, kind, place, days ago, start hour, hours)
ACTIVITIES = (
    ("联洋二", "红色文化参观:中共一大纪念馆", Activity.Kind.STUDY_VISIT, "中共一大纪念馆", 24, 9, 3),
    ("培花一", "垃圾分类:参观老港生活垃圾处置场", Activity.Kind.STUDY_VISIT, "老港生活垃圾处置场", 17, 8, 4),
    ("东城七", "参观东城七舞蹈活动中心", Activity.Kind.CULTURE_SPORTS, "东城七舞蹈活动中心", 12, 14, 2),
    ("牡丹四", "牡丹四农场体验日", Activity.Kind.OTHER, "浦东新区农场", 6, 9, 5),
)
UPCOMING = (
    ("联洋二", "社区环境清洁志愿服务", Activity.Kind.SERVICE, "联洋二小区中心花园", 5, 9, 2),
    ("培花一", "垃圾分类宣传志愿服务", Activity.Kind.GARBAGE_DUTY, "培花一居委会门口", 8, 9, 2),
    ("东城七", "接待外区考察团", Activity.Kind.DELEGATION, "东城七居委会", 10, 14, 2),
    ("牡丹四", "为老服务:陪伴独居老人", Activity.Kind.SERVICE, "牡丹四睦邻点", 12, 9, 3),
)
SHIFTS = ((datetime.time(7), datetime.time(9)), (datetime.time(18), datetime.time(20)))


def seed_volunteers(seeder: Any) -> None:
    if Team.objects.filter(name=ASSOCIATION).exists():
        return
    seeder.log(_("volunteers"))
    _Volunteers(seeder).run()


class _Volunteers:
    def __init__(self, seeder: Any) -> None:
        self.seeder = seeder
        self.rng = random.Random(f"{seeder.seed}:volunteers")
        self.staff = User.objects.get(username="huamu")
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.volunteers: dict[str, list[Volunteer]] = {}
        self.teams: dict[str, Team] = {}

    def at(self, days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def run(self) -> None:
        self.seed_teams()
        self.seed_volunteers()
        self.seed_activities()
        self.seed_roster()
        self.seed_staff_entries()

    def seed_teams(self) -> None:
        areas, orgs = self.seeder.areas, self.seeder.orgs
        actions.create_team(actor=None, name=ASSOCIATION, kind=Team.Kind.ASSOCIATION, area=areas["花木街道"],
                            organization=orgs.get(ASSOCIATION), description="花木街道志愿服务的总队")
        for nbhd, org in self.seeder.garbage_team.items():
            self.teams[nbhd] = actions.create_team(actor=None, name=org.name, kind=Team.Kind.GARBAGE_SORTING,
                                                   area=areas[nbhd], organization=org, minimum_age=14)
        actions.create_team(actor=None, name="上海科技馆志愿服务队", kind=Team.Kind.UNIT,
                            organization=orgs["上海科技馆"], area=orgs["上海科技馆"].area)
        actions.create_team(actor=None, name="花木学生社区实践小组", kind=Team.Kind.STUDENT_PRACTICE,
                            organization=orgs["花木学生社区实践指导站"], area=areas["花木街道"], minimum_age=10)

    def seed_volunteers(self) -> None:
        # The demo `volunteer` account: registered on a signed form long ago, so their page has a history.
        own = User.objects.filter(username="volunteer").select_related("person").first()
        if own is not None and own.person is not None and not Volunteer.objects.filter(person=own.person).exists():
            actions.register_volunteer(actor=self.staff, person=own.person, consent_by=own.person.name,
                                       consent_at=self.at(400, 10), consent_method=Volunteer.ConsentMethod.SIGNED_FORM)
        # A resident of 培花一 with an account registers by their own hand (the consent is the act).
        resident = (Person.objects.filter(neighborhood=self.seeder.areas["培花一"], account__isnull=True,
                                          volunteer__isnull=True, is_volunteer=False,
                                          birth_date__lte=self.today.replace(year=self.today.year - 20))
                    .order_by("id").first())
        if resident is not None:
            self.seeder.account("ph1volunteer", "培花一居民", Role.VOLUNTEER, area=None,
                                organization=self.seeder.garbage_team.get("培花一"), person=resident)
            actions.register_volunteer(actor=User.objects.get(username="ph1volunteer"), person=resident)
        for nbhd in FEATURED:
            area: Area = self.seeder.areas[nbhd]
            born_before = self.today.replace(year=self.today.year - 16)
            people = list(Person.objects.filter(neighborhood=area, is_volunteer=True, volunteer__isnull=True,
                                                birth_date__lte=born_before).order_by("id")[:VOLUNTEERS_PER_NEIGHBORHOOD])
            for person in people:
                actions.register_volunteer(actor=self.staff, person=person, consent_by=person.name,
                                           consent_at=self.at(self.rng.randint(60, 700), 10),
                                           consent_method=Volunteer.ConsentMethod.SIGNED_FORM)
            # Those registered by staff, with consent dated before the activities below; the demo
            # account registered itself today and only signs up for what is still to come.
            self.volunteers[nbhd] = sorted(
                Volunteer.objects.filter(person__neighborhood=area, registration=Volunteer.Registration.STAFF)
                .select_related("person"), key=lambda v: (not hasattr(v.person, "account"), v.pk))
            team = self.teams.get(nbhd)
            if team is not None:
                for v in self.volunteers[nbhd][:10]:
                    actions.add_team_member(actor=self.staff, team=team, volunteer=v,
                                            joined_on=self.today - datetime.timedelta(days=300))
        # Everyone else core's demo marks a volunteer is registered too, on a signed form: a volunteer is someone
        # registered with their consent, so that the home page's count and the volunteer list agree.
        for person in Person.objects.filter(is_volunteer=True, volunteer__isnull=True).order_by("id"):
            actions.register_volunteer(actor=None, person=person, consent_by=person.name,
                                       consent_at=self.at(self.rng.randint(60, 700), 10),
                                       consent_method=Volunteer.ConsentMethod.SIGNED_FORM)

    def seed_activities(self) -> None:
        for nbhd, title, kind, place, days_ago, hour, hours in ACTIVITIES:
            start = self.at(days_ago, hour)
            activity = actions.create_activity(
                actor=None, title=title, kind=kind, area=self.seeder.areas[nbhd], place=place,
                starts_at=start, ends_at=start + datetime.timedelta(hours=hours), capacity=20, hours=hours,
                team=self.teams.get(nbhd), description=f"{nbhd}居民区组织的{title}。",
                summary=f"{nbhd}的志愿者们参加了{title},收获满满。")
            for n, v in enumerate(self.volunteers[nbhd][:12]):
                actions.sign_up(actor=None, activity=activity, volunteer=v, consent_by=v.person.name,
                                consent_method=Volunteer.ConsentMethod.IN_PERSON)
                if n >= 10:
                    continue  # signed up and did not come
                came = start + datetime.timedelta(minutes=self.rng.randint(-15, 10))
                actions.check_in(actor=None, activity=activity, volunteer=v, at=came)
                left = start + datetime.timedelta(hours=hours, minutes=self.rng.randint(-40, 15))
                actions.check_out(actor=None, activity=activity, volunteer=v, at=left)
        for nbhd, title, kind, place, days_ahead, hour, hours in UPCOMING:
            start = self.at(-days_ahead, hour)
            activity = actions.create_activity(
                actor=None, title=title, kind=kind, area=self.seeder.areas[nbhd], place=place,
                starts_at=start, ends_at=start + datetime.timedelta(hours=hours), capacity=10, hours=hours,
                team=self.teams.get(nbhd))
            for v in self.volunteers[nbhd][:4]:
                actions.sign_up(actor=None, activity=activity, volunteer=v, consent_by=v.person.name,
                                consent_method=Volunteer.ConsentMethod.IN_PERSON)
            # The self-registered resident signs up by their own hand.
            own = Volunteer.objects.filter(person__account__username="ph1volunteer", person__neighborhood__name=nbhd)
            for v in own.select_related("person__account"):
                actions.sign_up(actor=v.person.account, activity=activity, volunteer=v)

    def seed_roster(self) -> None:
        for nbhd in FEATURED:
            people = self.volunteers[nbhd][:8]
            if not people:
                continue
            post = actions.create_post(actor=None, name=f"{nbhd}3号垃圾投放点", area=self.seeder.areas[nbhd],
                                       team=self.teams.get(nbhd), place=f"{nbhd}小区3号垃圾箱房", people_needed=2)
            for offset in range(-3, 4):
                day = self.today + datetime.timedelta(days=offset)
                for i, (start, end) in enumerate(SHIFTS):
                    shift = actions.create_shift(actor=None, post=post, day=day, starts_at=start, ends_at=end)
                    # Next week some shifts have one person or nobody yet: the gaps the roster shows.
                    wanted = 2 if offset < 0 else (offset + i) % 3
                    for k in range(wanted):
                        v = people[(offset * 2 + i * 3 + k) % len(people)]
                        assignment = actions.assign_duty(actor=None, shift=shift, volunteer=v)
                        if offset < 0:
                            actions.record_duty_attendance(actor=None, assignment=assignment)

    def seed_staff_entries(self) -> None:
        ly2 = self.volunteers.get("联洋二", [])
        if len(ly2) < 3:
            return
        for v in ly2[:3]:
            actions.record_hours(actor=self.staff, volunteer=v, hours="2", served_on=self.today - datetime.timedelta(
                days=30), reason="社区服务站纸质签到表补录", description="社区服务站值班")
        wrong = actions.record_hours(actor=self.staff, volunteer=ly2[0], hours="6",
                                     served_on=self.today - datetime.timedelta(days=40), reason="纸质签到表补录",
                                     description="敬老院慰问")
        actions.correct_record(actor=self.staff, record=wrong, hours="3", reason="签到表上是3小时,录入时写错")
        # Entered twice by two clerks for the same morning: the anomaly page flags the overlap.
        for clerk_note in ("第一位工作人员补录", "第二位工作人员补录"):
            actions.record_hours(actor=self.staff, volunteer=ly2[1], hours="2",
                                 served_on=self.today - datetime.timedelta(days=20), reason=clerk_note,
                                 description="垃圾分类宣传", started_at=self.at(20, 9), ended_at=self.at(20, 11))
        # One stepped back today and came back the same afternoon on a new signed form: their page shows two
        # consent periods, and the hours of the first stay covered by it.
        back = ly2[2]
        actions.withdraw_consent(actor=self.staff, volunteer=back)
        actions.register_volunteer(actor=self.staff, person=back.person, consent_by=back.person.name,
                                   consent_at=timezone.now(), consent_method=Volunteer.ConsentMethod.SIGNED_FORM)
