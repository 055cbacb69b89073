"""Demo work of the teams for ``manage.py load_demo``: topics, Baden-Württemberg school holidays,
consultation-hour series at schools, youth houses and town halls, and a year of logged
activities (consultation hours, Gremien meetings, projects, events, community work).

Counts are anonymous and notes never mention clients. Deterministic (every team, series, body
and project draws from its own seeded random generator) and idempotent: records are looked up
by their natural keys, and activities are only made for series, projects, bodies and teams
that get their demo data for the first time, so a second run adds nothing. Needs the partners
and bodies of ``kooperation.demo``; without them the teams get no series.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kooperation.models import Body, BodyKind, MeetingRhythm, Partner, PartnerKind, SchoolType
from sozialraum.models import Assignment, Membership, Municipality, Team, User
from sozialraum.selectors import teams_with_municipalities
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project, TargetGroup, Topic
from teams.recurrence import Pattern, build_rrule, closures_between, falls_away, occurrences

S = PartnerKind
SEED = 2026
DAY = datetime.timedelta(days=1)

TOPICS = [
    "Schule und Ausbildung",
    "Familie und Erziehung",
    "Konflikte und Gewalt",
    "Freizeit",
    "Sucht",
    "Gesundheit",
    "Medien",
    "Geld und Schulden",
    "Wohnen",
    "Migration und Integration",
    "Kinderschutz",
    "Übergang Kita–Schule",
]
SCHOOL_VENUES = [S.SCHOOL, S.SCHOOL_SOCIAL_WORK]
# Baden-Württemberg school holidays (the single movable days are left out).
SCHOOL_HOLIDAYS = [
    ("Herbstferien 2025", datetime.date(2025, 10, 27), datetime.date(2025, 10, 31)),
    ("Weihnachtsferien 2025/26", datetime.date(2025, 12, 22), datetime.date(2026, 1, 5)),
    ("Osterferien 2026", datetime.date(2026, 3, 30), datetime.date(2026, 4, 11)),
    ("Pfingstferien 2026", datetime.date(2026, 5, 26), datetime.date(2026, 6, 5)),
    ("Sommerferien 2026", datetime.date(2026, 7, 30), datetime.date(2026, 9, 12)),
    ("Herbstferien 2026", datetime.date(2026, 10, 26), datetime.date(2026, 10, 30)),
    ("Weihnachtsferien 2026/27", datetime.date(2026, 12, 23), datetime.date(2027, 1, 9)),
]
OFFICE_CLOSURES = [
    ("Betriebsruhe zwischen den Jahren", datetime.date(2026, 12, 28), datetime.date(2026, 12, 31)),
]

HELD_SHARE = 0.88
BIG_TOWN = 38000  # the youth house of a town this large has a weekly consultation hour
CANCEL_REASONS = ["Krankheit", "Schulveranstaltung", "Raum nicht verfügbar"]
MEETING_CANCEL_REASONS = ["Termin von den Einladenden abgesagt", "Krankheit"]
PUBLIC_NOTES = {
    S.SCHOOL: "Ohne Anmeldung. In den Schulferien findet die Sprechstunde nicht statt.",
    S.TOWN_HALL: "Offene Sprechstunde ohne Anmeldung, Eingang über das Bürgerbüro.",
    S.YOUTH_HOUSE: "Offene Sprechstunde im Jugendhaus, einfach vorbeikommen.",
}
LOCATIONS = {
    S.SCHOOL: ["Raum der Schulsozialarbeit", "Besprechungsraum neben dem Sekretariat", "Raum 104"],
    S.TOWN_HALL: ["Besprechungsraum im Erdgeschoss", "Bürgerbüro, Beratungsraum", "Raum 12"],
    S.YOUTH_HOUSE: ["Büro im Jugendhaus", "Kleiner Gruppenraum"],
}
VENUE_TOPICS = {
    S.SCHOOL: [
        "Schule und Ausbildung",
        "Konflikte und Gewalt",
        "Medien",
        "Familie und Erziehung",
        "Gesundheit",
    ],
    S.TOWN_HALL: [
        "Familie und Erziehung",
        "Geld und Schulden",
        "Wohnen",
        "Migration und Integration",
        "Gesundheit",
        "Kinderschutz",
    ],
    S.YOUTH_HOUSE: ["Freizeit", "Sucht", "Medien", "Konflikte und Gewalt", "Schule und Ausbildung"],
}
# (title, goals, partner kinds, topics, audience) of the teams' projects.
PROJECTS = [
    (
        "Elterncafé {town}",
        "Ein offenes Elterncafé mit Kita und Grundschule aufbauen: Austausch unter Eltern und "
        "kurze Wege zur Beratung.",
        [S.DAYCARE, S.SCHOOL],
        ["Familie und Erziehung", "Übergang Kita–Schule"],
        "parents",
    ),
    (
        "Medienkompetenz an Schulen in {town}",
        "Workshops zu sozialen Medien und Cybermobbing für Klassen 5 bis 7, mit einem "
        "Elternabend je Schule.",
        [S.SCHOOL],
        ["Medien", "Konflikte und Gewalt"],
        "young_people",
    ),
    (
        "Jugendbeteiligung {town}",
        "Jugendliche planen mit Gemeinde und Jugendhaus einen Treffpunkt im Ort.",
        [S.YOUTH_HOUSE, S.TOWN_HALL, S.SCHOOL],
        ["Freizeit"],
        "young_people",
    ),
    (
        "Präventionsreihe Sucht {town}",
        "Eine Veranstaltungsreihe zu Alkohol, Nikotin und Cannabis mit Schule und Jugendarbeit.",
        [S.SCHOOL, S.YOUTH_HOUSE],
        ["Sucht", "Gesundheit"],
        "young_people",
    ),
    (
        "Übergang Kita–Schule {town}",
        "Kitas und Grundschulen stimmen den Übergang ab; Informationsabende für Eltern.",
        [S.DAYCARE, S.SCHOOL],
        ["Übergang Kita–Schule", "Familie und Erziehung"],
        "children",
    ),
    (
        "Ferienprogramm {town}",
        "Ein Ferienprogramm mit Vereinen und Ehrenamtlichen für Kinder, die sonst zu Hause "
        "bleiben.",
        [S.VOLUNTEERS, S.COMMUNITY_PROJECT, S.YOUTH_HOUSE, S.TOWN_HALL],
        ["Freizeit"],
        "children",
    ),
]
EVENT_NOTES = [
    "Vorstellung des Sozialraumteams im Gemeinderat",
    "Netzwerktreffen der Schulen und Kitas",
    "Auftaktveranstaltung Kooperation",
    "Fachtag Kinderschutz für Kitas",
    "Austausch mit Vereinen und Ehrenamtlichen",
]
COMMUNITY_NOTES = [
    "Stand beim Stadtteilfest",
    "Spielplatzaktion",
    "Aktion auf dem Schulhof",
    "Mitmachaktion im Ferienprogramm",
    "Offener Treff auf dem Marktplatz",
]
OUTDOOR_NOTES = {"Stand beim Stadtteilfest", "Spielplatzaktion"}
RHYTHM_MONTHS = {
    MeetingRhythm.MONTHLY: 1,
    MeetingRhythm.BIMONTHLY: 2,
    MeetingRhythm.QUARTERLY: 3,
    MeetingRhythm.HALF_YEARLY: 6,
    MeetingRhythm.YEARLY: 12,
}
BODY_ACTIVITY_KIND = {
    BodyKind.ROUND_TABLE: Activity.Kind.ROUND_TABLE,
    BodyKind.NETWORK: Activity.Kind.ROUND_TABLE,
    BodyKind.WORKING_GROUP: Activity.Kind.WORKING_GROUP,
    BodyKind.COMMITTEE: Activity.Kind.WORKING_GROUP,
}


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _rng(*key) -> random.Random:
    """A generator of its own for one team, series, body or project: what one draws does not
    shift what the others draw, whatever already exists."""
    return random.Random("-".join(str(part) for part in (SEED, *key)))  # noqa: S311 - demo data


@dataclass
class Pending:
    """An activity to bulk-create, with its many-to-many rows."""

    activity: Activity
    staff: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    topics: list = field(default_factory=list)


@dataclass
class Context:
    today: datetime.date
    topics: dict
    closures: list
    assignments: dict
    pending: list = field(default_factory=list)

    def serves(self, team: Team, municipality: Municipality, day: datetime.date) -> bool:
        return any(
            a.team_id == team.pk and a.covers(day) for a in self.assignments[municipality.pk]
        )


def demo_load() -> None:
    today = timezone.localdate()
    with transaction.atomic():
        _topics()
        _closures()
        context = Context(
            today=today,
            topics={t.name: t for t in Topic.objects.filter(name__in=TOPICS)},
            closures=closures_between(today - datetime.timedelta(days=400), today),
            assignments=defaultdict(list),
        )
        for assignment in Assignment.objects.all():
            context.assignments[assignment.municipality_id].append(assignment)
        fachkraft = User.objects.filter(username="fachkraft").first()
        active = Team.objects.filter(is_active=True).order_by("name")
        for team in teams_with_municipalities(active, on=today):
            _team(team, context, fachkraft)
        _save(context.pending)


def _topics() -> None:
    existing = set(Topic.objects.values_list("name", flat=True))
    Topic.objects.bulk_create([Topic(name=name) for name in TOPICS if name not in existing])


def _closures() -> None:
    wanted = [(*holiday, SCHOOL_VENUES) for holiday in SCHOOL_HOLIDAYS]
    wanted += [(*closure, []) for closure in OFFICE_CLOSURES]
    for name, start, end, kinds in wanted:
        ClosurePeriod.objects.get_or_create(
            name=name, start=start, end=end, defaults={"venue_kinds": list(kinds)}
        )


# --- One team -----------------------------------------------------------------------------


def _team(team: Team, context: Context, fachkraft: User | None) -> None:
    municipalities = sorted(
        (a.municipality for a in team.current_assignments),
        key=lambda m: (-(m.population or 0), m.name),
    )
    if not municipalities:
        return
    memberships = Membership.objects.filter(team=team).select_related("user")
    members = sorted(
        (m.user for m in memberships if m.user.is_active),
        key=lambda u: (u.username != "fachkraft", u.username),
    )
    venues = list(
        Partner.objects.filter(
            municipality__in=municipalities,
            is_active=True,
            kind__in=[S.SCHOOL, S.YOUTH_HOUSE, S.TOWN_HALL],
        ).order_by("name", "pk")
    )
    new_series = [
        series
        for series, created in _series(team, municipalities, venues, members, fachkraft, context)
        if created
    ]
    series_list = ConsultationHour.objects.filter(pk__in=[s.pk for s in new_series])
    _consultations(series_list.select_related("venue", "municipality", "team"), context, fachkraft)
    _meetings(team, municipalities, members, context)
    _projects(team, municipalities, members, context)
    if not Activity.objects.filter(
        team=team, kind__in=[Activity.Kind.EVENT, Activity.Kind.COMMUNITY]
    ).exists():
        _events(team, municipalities, members, context)


def _pick(venues, municipality, kind, preferred_types=()) -> Partner | None:
    found = [v for v in venues if v.municipality_id == municipality.pk and v.kind == kind]
    for school_type in preferred_types:
        for venue in found:
            if venue.school_type == school_type:
                return venue
    return found[0] if found else None


def _series(team, municipalities, venues, members, fachkraft, context):
    """Two to four series: a school and the town hall of the largest municipality, a youth
    house where there is one, and a second municipality's town hall (or a second school)."""
    rng = _rng("series", team.name)
    main, others = municipalities[0], municipalities[1:]
    weekdays = rng.sample(range(5), 4)
    plan = []
    school = _pick(
        venues,
        main,
        S.SCHOOL,
        [SchoolType.GEMEINSCHAFTSSCHULE, SchoolType.WERKREALSCHULE, SchoolType.REALSCHULE],
    )
    if school:
        plan.append((school, Pattern.WEEKLY, weekdays[0], 1, "13:30", "15:00", False))
    town_hall = _pick(venues, main, S.TOWN_HALL)
    if town_hall:
        plan.append((town_hall, Pattern.WEEKLY, weekdays[1], 1, "14:00", "16:00", True))
    youth_houses = [_pick(venues, m, S.YOUTH_HOUSE) for m in municipalities]
    youth_house = next((v for v in youth_houses if v), None)
    if youth_house and (main.population or 0) >= BIG_TOWN:
        plan.append((youth_house, Pattern.WEEKLY, weekdays[2], 1, "16:00", "18:00", True))
    elif youth_house:
        plan.append((youth_house, Pattern.EVERY_N_WEEKS, weekdays[2], 2, "16:00", "18:00", True))
    second = _pick(venues, others[0], S.TOWN_HALL) if others else None
    if second is None:
        second = _pick(venues, main, S.SCHOOL, [SchoolType.PRIMARY])
        second = second if second != school else None
    if second:
        nth = rng.choice([1, 2, 3, -1])
        plan.append((second, Pattern.MONTHLY, weekdays[3], nth, "09:00", "11:00", True))
    valid_from = _month_start(context.today, 14)
    result = []
    for index, (venue, pattern, weekday, number, begin, end, public) in enumerate(plan):
        rule = build_rrule(
            pattern=pattern,
            weekday=weekday,
            interval=number if pattern == Pattern.EVERY_N_WEEKS else 1,
            nth=number if pattern == Pattern.MONTHLY else 1,
        )
        staff = _series_staff(rng, members, index)
        author = staff[0] if staff else None
        series, created = ConsultationHour.objects.get_or_create(
            team=team,
            venue=venue,
            rrule=rule,
            start_time=_time(begin),
            defaults={
                "municipality": venue.municipality,
                "location": rng.choice(LOCATIONS[venue.kind]),
                "end_time": _time(end),
                "valid_from": valid_from,
                "target_groups": _target_groups(venue),
                "is_public": public,
                "public_note": PUBLIC_NOTES[venue.kind] if public else "",
                "created_by": author,
                "updated_by": author,
            },
        )
        if created:
            series.staff.set(staff)
        result.append((series, created))
    _ensure_weekly_for(fachkraft, team, [s for s, created in result if created])
    return result


def _series_staff(rng, members, index) -> list[User]:
    """The first member (the demo Fachkraft where the team has her) staffs the two weekly
    series; the others join at random."""
    if not members:
        return []
    staff = [members[0]] if index < 2 else [rng.choice(members)]
    staff += [m for m in members if m not in staff and rng.random() < 0.4]
    return staff


def _ensure_weekly_for(fachkraft, team, new_series) -> None:
    """The demo Fachkraft needs a weekly series, so that "Meine Woche" has dates every week."""
    if fachkraft is None or not team.members.filter(pk=fachkraft.pk).exists():
        return
    weekly = [s for s in new_series if s.rrule.startswith("FREQ=WEEKLY;BYDAY=")]
    if weekly and not any(s.staff.filter(pk=fachkraft.pk).exists() for s in weekly):
        weekly[-1].staff.add(fachkraft)


def _target_groups(venue: Partner) -> list[str]:
    if venue.kind == S.SCHOOL:
        if venue.school_type == SchoolType.PRIMARY:
            return [TargetGroup.CHILDREN, TargetGroup.PARENTS]
        return [TargetGroup.YOUNG_PEOPLE, TargetGroup.PARENTS]
    if venue.kind == S.YOUTH_HOUSE:
        return [TargetGroup.YOUNG_PEOPLE]
    return [TargetGroup.PARENTS, TargetGroup.CHILDREN, TargetGroup.YOUNG_PEOPLE]


# --- Consultation hours -------------------------------------------------------------------


def _consultations(series_list, context: Context, fachkraft) -> None:
    """Log every date of the last twelve months that does not fall away; the current week and
    a few older dates stay open."""
    today = context.today
    monday = today - datetime.timedelta(days=today.weekday())
    series_list = list(series_list)
    staff_of = {s.pk: list(s.staff.all()) for s in series_list}
    rngs = {s.pk: _rng("consultation", s.team.name, s.venue.name, s.rrule) for s in series_list}
    for occurrence in occurrences(
        series_list, today - datetime.timedelta(days=365), today - DAY, with_activities=False
    ):
        series, day = occurrence.series, occurrence.date
        rng = rngs[series.pk]
        roll = rng.random()
        if occurrence.falls_away or not context.serves(series.team, series.municipality, day):
            continue
        staff = staff_of[series.pk]
        if day >= monday and (fachkraft in staff or roll < 0.6):
            continue  # open in "Meine Woche"
        if day >= monday - datetime.timedelta(days=7) and roll < 0.3:
            continue
        if roll < 0.015:
            continue  # forgotten
        activity = Activity(
            kind=Activity.Kind.CONSULTATION,
            date=day,
            start_time=series.start_time,
            end_time=series.end_time,
            team=series.team,
            municipality=series.municipality,
            consultation_hour=series,
        )
        topics = []
        if rng.random() < HELD_SHARE:
            _counts(activity, rng, series.venue)
            topics = _topics_for(activity, rng, VENUE_TOPICS[series.venue.kind], context)
        else:
            reasons = CANCEL_REASONS if series.venue.kind == S.SCHOOL else CANCEL_REASONS[::2]
            _cancel(activity, rng.choice(reasons))
        _add(context, activity, rng, staff, [series.venue], topics)


def _counts(activity: Activity, rng: random.Random, venue: Partner) -> None:
    """Anonymous counts fitting the venue: pupils at schools, parents at the town hall."""
    if venue.kind == S.SCHOOL and venue.school_type == SchoolType.PRIMARY:
        ranges = {"children": 6, "young_people": 0, "parents": 4, "professionals": 2}
    elif venue.kind == S.SCHOOL:
        ranges = {"children": 2, "young_people": 8, "parents": 2, "professionals": 2}
    elif venue.kind == S.YOUTH_HOUSE:
        ranges = {"children": 2, "young_people": 8, "parents": 1, "professionals": 1}
    else:
        ranges = {"children": 2, "young_people": 3, "parents": 4, "professionals": 2}
    for name, top in ranges.items():
        # Two draws averaged: low and middle numbers are more common than the top.
        setattr(activity, name, (rng.randint(0, top) + rng.randint(0, top)) // 2)
    activity.others = 1 if rng.random() < 0.15 else 0
    _helps(activity, rng)


def _helps(activity: Activity, rng: random.Random) -> None:
    roll = rng.random()
    helps = 2 if roll < 0.03 else 1 if roll < 0.15 else 0
    activity.helps_initiated = min(helps, activity.contacts)


def _cancel(activity: Activity, reason: str) -> None:
    activity.status = Activity.Status.CANCELLED
    activity.cancel_reason = reason


def _topics_for(activity, rng, names, context, most=2) -> list[Topic]:
    if not activity.contacts:
        return []
    number = rng.choices(range(most + 1), weights=[1, 2, 1][: most + 1])[0]
    return [context.topics[n] for n in rng.sample(names, number) if n in context.topics]


def _add(context, activity, rng, staff, partners, topics) -> None:
    if staff and len(staff) > 1 and rng.random() < 0.3:
        staff = [rng.choice(staff)]
    author = staff[0] if staff else None
    activity.created_by = activity.updated_by = author
    context.pending.append(Pending(activity, list(staff), list(partners), list(topics)))


def _save(pending: list[Pending]) -> None:
    """Bulk-create the activities, then their staff, partner and topic rows."""
    Activity.objects.bulk_create([p.activity for p in pending], batch_size=500)
    for name, column in (("staff", "user_id"), ("partners", "partner_id"), ("topics", "topic_id")):
        through = getattr(Activity, name).through
        rows = {
            (p.activity.pk, item.pk)
            for p in pending
            for item in getattr(p, name)
            if item is not None
        }
        through.objects.bulk_create(
            [through(activity_id=a, **{column: b}) for a, b in sorted(rows)], batch_size=1000
        )


# --- Gremien, projects, events ------------------------------------------------------------


def _usable_day(day: datetime.date, context: Context, venue_kind: str = S.TOWN_HALL) -> bool:
    return day.weekday() < 5 and not falls_away(day, venue_kind, context.closures)


def _month_start(day: datetime.date, back: int) -> datetime.date:
    """The first of the month ``back`` months before the month of ``day``."""
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return datetime.date(year, month + 1, 1)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _local_members(members, rng, most=2) -> list[User]:
    return rng.sample(members, min(len(members), rng.randint(1, most))) if members else []


def _meetings(team, municipalities, members, context: Context) -> None:
    """The meetings of the Gremien the team takes part in, by their rhythm, over the year."""
    bodies = (
        Body.objects.filter(is_active=True)
        .filter(Q(team=team) | Q(representatives__in=members))
        .distinct()
        .order_by("name", "pk")
    )
    for body in bodies:
        if Activity.objects.filter(body=body, team=team).exists():
            continue
        rng = _rng("body", team.name, body.name)
        body_members = list(body.members.order_by("name", "pk")[:8])
        representing = set(body.representatives.all())
        representatives = [m for m in members if m in representing]
        step = RHYTHM_MONTHS.get(body.rhythm, 3)
        weekday, nth = rng.randrange(5), rng.choice([1, 2, 3])
        begin = rng.choice(["09:00", "14:00", "17:00"])
        end = f"{int(begin[:2]) + 2:02d}:00"
        offset = rng.randrange(step)
        for back in range(13):
            if (back + offset) % step:
                continue
            first = _month_start(context.today, back)
            day = _nth_weekday(first.year, first.month, weekday, nth)
            while not _usable_day(day, context, S.SCHOOL):  # Gremien pause in the holidays
                day += datetime.timedelta(days=7)
            municipality = body.municipality or municipalities[0]
            too_old = day < context.today - datetime.timedelta(days=365)
            if too_old or day >= context.today or not context.serves(team, municipality, day):
                continue
            activity = Activity(
                kind=BODY_ACTIVITY_KIND.get(body.kind, Activity.Kind.OTHER),
                date=day,
                start_time=_time(begin),
                end_time=_time(end),
                team=team,
                municipality=municipality,
                body=body,
            )
            topics = []
            if rng.random() < 0.93:
                activity.professionals = rng.randint(4, 12)
                activity.others = rng.randint(0, 3)
                topics = _topics_for(activity, rng, TOPICS, context)
            else:
                _cancel(activity, rng.choice(MEETING_CANCEL_REASONS))
            staff = representatives or _local_members(members, rng, 1)
            _add(context, activity, rng, staff, body_members, topics)


def _projects(team, municipalities, members, context: Context) -> None:
    """One or two projects (running, completed) with their project-work dates."""
    rng = _rng("projects", team.name)
    templates = rng.sample(PROJECTS, 2)
    count = 2 if len(municipalities) > 1 or rng.random() < 0.5 else 1
    today = context.today
    for index, (title, goals, kinds, topic_names, audience) in enumerate(templates[:count]):
        places = municipalities[:1] if index == 0 else municipalities[-2:]
        title = title.format(town=places[0].name)
        if Project.objects.filter(team=team, title=title).exists():
            continue
        if index == 0:
            status = Project.Status.RUNNING
            start = today - datetime.timedelta(days=rng.randint(150, 240))
            end = today + datetime.timedelta(days=rng.randint(60, 200))
        else:
            status = Project.Status.COMPLETED
            start = today - datetime.timedelta(days=rng.randint(320, 360))
            end = today - datetime.timedelta(days=rng.randint(60, 120))
        partners = list(
            Partner.objects.filter(
                municipality__in=places, kind__in=kinds, is_active=True
            ).order_by("name", "pk")
        )
        partners = rng.sample(partners, min(3, len(partners)))
        author = members[0] if members else None
        project = Project.objects.create(
            title=title,
            team=team,
            status=status,
            start=start,
            end=end,
            goals=goals,
            created_by=author,
            updated_by=author,
        )
        project.municipalities.set(places)
        project.partners.set(partners)
        _project_work(project, places, partners, topic_names, audience, members, context)


def _project_work(project, places, partners, topic_names, audience, members, context) -> None:
    rng = _rng("project", project.team.name, project.title)
    day = project.start + datetime.timedelta(days=rng.randint(3, 10))
    day += datetime.timedelta(days=7 - day.weekday() if day.weekday() > 4 else 0)
    venue_kind = partners[0].kind if partners else S.TOWN_HALL  # schools close in the holidays
    last = min(project.end or context.today, context.today - DAY)
    begin = rng.choice(["10:00", "15:00", "18:00"])
    while day <= last:
        municipality = rng.choice(places)
        if _usable_day(day, context, venue_kind) and context.serves(
            project.team, municipality, day
        ):
            activity = Activity(
                kind=Activity.Kind.PROJECT,
                date=day,
                start_time=_time(begin),
                end_time=_time(f"{int(begin[:2]) + 2:02d}:00"),
                team=project.team,
                municipality=municipality,
                project=project,
            )
            topics = []
            if rng.random() < 0.94:
                setattr(activity, audience, rng.randint(3, 18))
                if audience != "parents":
                    activity.parents = rng.randint(0, 4)
                activity.professionals = rng.randint(1, 4)
                activity.others = rng.randint(0, 2)
                _helps(activity, rng)
                topics = _topics_for(activity, rng, topic_names, context, most=1)
            else:
                _cancel(activity, rng.choice(CANCEL_REASONS[::2]))
            chosen = rng.sample(partners, min(len(partners), rng.randint(1, 2)))
            _add(context, activity, rng, _local_members(members, rng), chosen, topics)
        day += datetime.timedelta(days=rng.choice([7, 7, 7, 14]))


def _events(team, municipalities, members, context: Context) -> None:
    """A few kick-off or network events and some community work over the year."""
    rng = _rng("events", team.name)
    today = context.today
    local = list(
        Partner.objects.filter(municipality__in=municipalities, is_active=True).order_by(
            "name", "pk"
        )
    )
    plan = [(Activity.Kind.EVENT, note) for note in rng.sample(EVENT_NOTES, rng.randint(2, 4))]
    plan += [
        (Activity.Kind.COMMUNITY, rng.choice(COMMUNITY_NOTES)) for _ in range(rng.randint(5, 9))
    ]
    past = [today - datetime.timedelta(days=back) for back in range(3, 361)]
    pools = {
        "outdoor": [
            d
            for d in past
            if d.weekday() == 5 and 5 <= d.month <= 9 and not falls_away(d, S.TOWN_HALL, [])
        ],
        "holidays": [
            d for d in past if _usable_day(d, context) and not _usable_day(d, context, S.SCHOOL)
        ],
        "any": [d for d in past if _usable_day(d, context)],
    }
    for kind, note in plan:
        municipality = municipalities[min(int(rng.expovariate(1.2)), len(municipalities) - 1)]
        outdoor = note in OUTDOOR_NOTES
        pool = pools["outdoor" if outdoor else "holidays" if "Ferien" in note else "any"]
        if not pool:
            continue
        day = rng.choice(pool)
        if not context.serves(team, municipality, day):
            continue
        activity = Activity(
            kind=kind,
            date=day,
            start_time=_time("14:00" if outdoor else rng.choice(["10:00", "18:00"])),
            end_time=_time("18:00" if outdoor else "20:00"),
            team=team,
            municipality=municipality,
            note=note,
        )
        if kind == Activity.Kind.EVENT:
            activity.professionals = rng.randint(6, 25)
            activity.parents = rng.randint(0, 12)
            activity.others = rng.randint(0, 5)
        else:
            activity.children = rng.randint(5, 40)
            activity.young_people = rng.randint(0, 20)
            activity.parents = rng.randint(3, 25)
            activity.others = rng.randint(0, 10)
        _helps(activity, rng)
        here = [p for p in local if p.municipality_id == municipality.pk]
        chosen = rng.sample(here, min(len(here), rng.randint(1, 3)))
        topics = _topics_for(activity, rng, TOPICS, context)
        _add(context, activity, rng, _local_members(members, rng, 2), chosen, topics)
