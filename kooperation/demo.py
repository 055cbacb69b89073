"""Demo network for ``manage.py load_demo``: partners in every municipality, cooperations in every
status, round tables per Mittelbereich and the district-wide networks.

Names are generic ("Rathaus Backnang", "Grundschule Backnang-Süd"); contact persons are
fictitious and flagged as demo data. Deterministic and idempotent: a second run adds nothing.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kooperation.models import (
    Body,
    BodyKind,
    ContactPerson,
    Cooperation,
    CooperationStatus,
    CooperationStep,
    MeetingRhythm,
    Partner,
    PartnerKind,
    SchoolType,
)
from sozialraum.models import Municipality, User
from sozialraum.selectors import team_responsible_for

S = PartnerKind
PIPELINE = [
    CooperationStatus.INITIATED,
    CooperationStatus.BUILDING,
    CooperationStatus.AGREED,
    CooperationStatus.ACTIVE,
]
FIRST_NAMES = ["Anna", "Jonas", "Mira", "Lukas", "Sevgi", "Tobias", "Katrin", "Elias", "Nora"]
LAST_NAMES = ["Beispiel", "Muster", "Probst", "Fiktiv", "Demo", "Platzhalter", "Erfunden"]
NEXT_STEPS = [
    "Termin mit der Schulleitung vereinbaren",
    "Kooperationsvereinbarung entwerfen",
    "Sprechstunde im Haus abstimmen",
    "Auswertungsgespräch führen",
    "Gemeinsames Projekt planen",
    "Vorstellung im Kollegium",
]
DISTRICT_WIDE = [
    ("Koordinierungsstelle Frühe Hilfen", S.EARLY_HELP),
    ("Familienbildungsstätte im Landkreis", S.PARENT_EDUCATION),
    ("Kreisjugendring", S.INDEPENDENT_PROVIDER),
    ("Psychologische Beratungsstelle", S.OTHER),
]


def partners_for(municipality: Municipality) -> list[tuple[str, str, str]]:
    """(name, kind, school type) of plausible partners, scaled by the population."""
    name, people = municipality.name, municipality.population or 0
    town = municipality.kind == Municipality.Kind.TOWN
    partners = [(f"Rathaus {name}", S.TOWN_HALL, "")]
    suffixes = ["", "-Nord", "-Süd", "-Ost"]
    for suffix in suffixes[: 1 + min(people // 15000, 3)]:
        partners.append((f"Grundschule {name}{suffix}", S.SCHOOL, SchoolType.PRIMARY))
    if town:
        partners += [
            (f"Realschule {name}", S.SCHOOL, SchoolType.REALSCHULE),
            (f"Gymnasium {name}", S.SCHOOL, SchoolType.GYMNASIUM),
        ]
    if people >= 9000:
        partners.append((f"Gemeinschaftsschule {name}", S.SCHOOL, SchoolType.GEMEINSCHAFTSSCHULE))
    if municipality.is_major_district_town:
        partners += [
            (f"Berufliches Schulzentrum {name}", S.SCHOOL, SchoolType.VOCATIONAL),
            (f"Mobile Jugendarbeit {name}", S.MOBILE_YOUTH_WORK, ""),
            (f"Ambulante Erziehungshilfe {name}", S.OUTPATIENT_HELP, ""),
            (f"Familienzentrum {name}", S.INDEPENDENT_PROVIDER, ""),
        ]
    for suffix in ["-Mitte", "-Nord", "-Süd", "-Ost", "-West"][: 1 + min(people // 8000, 4)]:
        partners.append((f"Kita {name}{suffix}", S.DAYCARE, ""))
    if people >= 7000:
        partners.append((f"Jugendhaus {name}", S.YOUTH_HOUSE, ""))
    if people >= 10000:
        partners += [
            (f"Schulsozialarbeit {name}", S.SCHOOL_SOCIAL_WORK, ""),
            (f"Stadtteiltreff {name}", S.COMMUNITY_PROJECT, ""),
        ]
    elif people >= 5000:
        partners.append((f"Nachbarschaftshilfe {name}", S.VOLUNTEERS, ""))
    if name == "Murrhardt":
        partners.append(("Ökumenischer Jugendtreff Murrhardt", S.YOUTH_HOUSE, ""))
    return partners


def demo_load() -> None:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    staff = {u.username: u for u in User.objects.filter(username__in=["fachkraft", "teamleitung"])}
    with transaction.atomic():
        created = []
        for municipality in Municipality.objects.all():
            for name, kind, school_type in partners_for(municipality):
                created += _partner(name, kind, school_type, municipality)
        for name, kind in DISTRICT_WIDE:
            created += _partner(name, kind, "", None)
        for partner in created:
            _contact(partner, rng)
            _cooperation(partner, rng, today, staff)
        _bodies(staff)


def _partner(name, kind, school_type, municipality) -> list[Partner]:
    slug = slugify(name)
    partner, created = Partner.objects.get_or_create(
        name=name,
        municipality=municipality,
        defaults={
            "kind": kind,
            "school_type": school_type,
            "address": f"Musterstraße 1, {municipality.name if municipality else 'Landkreis'}",
            "email": f"info@{slug}.demo.invalid",
        },
    )
    return [partner] if created else []


def _contact(partner: Partner, rng: random.Random) -> None:
    if partner.kind not in {S.TOWN_HALL, S.SCHOOL, S.YOUTH_HOUSE, S.EARLY_HELP, S.DAYCARE}:
        return
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    function = {
        S.TOWN_HALL: "Hauptamt, Ansprechperson Jugend",
        S.SCHOOL: "Schulleitung",
        S.DAYCARE: "Kita-Leitung",
    }.get(partner.kind, "Leitung")
    ContactPerson.objects.create(
        partner=partner,
        name=f"{first} {last}",
        function=function,
        email=f"{first}.{last}@demo.invalid".lower(),
        is_demo=True,
    )


def _cooperation(partner: Partner, rng: random.Random, today, staff) -> None:
    """About two thirds of the partners get a cooperation, spread over every status."""
    roll = rng.random()
    if roll > 0.68:
        return
    status = rng.choice(list(CooperationStatus))
    steps = (
        PIPELINE[: PIPELINE.index(status) + 1] if status in PIPELINE else [*PIPELINE[:3], status]
    )
    start = today - datetime.timedelta(days=rng.randint(120, 900))
    team = team_responsible_for(partner.municipality) if partner.municipality else None
    responsible = staff.get("fachkraft") if team and team.name == "Backnang" else None
    days = [start + datetime.timedelta(days=40 * i) for i in range(len(steps))]
    next_step, due = "", None
    if status != CooperationStatus.ENDED and rng.random() < 0.6:
        next_step = rng.choice(NEXT_STEPS)
        due = today + datetime.timedelta(days=rng.randint(-20, 60))
    cooperation = Cooperation.objects.create(
        partner=partner,
        status=status,
        since=days[-1],
        agreement_date=days[min(2, len(days) - 1)] if CooperationStatus.AGREED in steps else None,
        responsible=responsible,
        next_step=next_step,
        next_step_due=due,
    )
    previous = ""
    for step_status, day in zip(steps, days, strict=True):
        CooperationStep.objects.create(
            cooperation=cooperation, status=step_status, previous_status=previous, on=day
        )
        previous = step_status


BODIES = [
    ("Runder Tisch Jugend Backnang", BodyKind.ROUND_TABLE, "Backnang", MeetingRhythm.QUARTERLY),
    (
        "Arbeitskreis Schulsozialarbeit Murrtal",
        BodyKind.WORKING_GROUP,
        "Murrhardt",
        MeetingRhythm.BIMONTHLY,
    ),
    ("Runder Tisch Familie Aspach", BodyKind.ROUND_TABLE, "Aspach", MeetingRhythm.HALF_YEARLY),
    ("Runder Tisch Jugend Waiblingen", BodyKind.ROUND_TABLE, "Waiblingen", MeetingRhythm.QUARTERLY),
    (
        "Arbeitskreis Kita und Schule Fellbach",
        BodyKind.WORKING_GROUP,
        "Fellbach",
        MeetingRhythm.MONTHLY,
    ),
    ("Netzwerk Jugend Winnenden", BodyKind.ROUND_TABLE, "Winnenden", MeetingRhythm.QUARTERLY),
    ("Runder Tisch Jugend Schorndorf", BodyKind.ROUND_TABLE, "Schorndorf", MeetingRhythm.QUARTERLY),
    (
        "Arbeitskreis Jugendarbeit Schwäbischer Wald",
        BodyKind.WORKING_GROUP,
        "Welzheim",
        MeetingRhythm.BIMONTHLY,
    ),
    (
        "Ausschuss Jugend und Soziales Rudersberg",
        BodyKind.COMMITTEE,
        "Rudersberg",
        MeetingRhythm.QUARTERLY,
    ),
    ("Netzwerk Frühe Hilfen", BodyKind.NETWORK, None, MeetingRhythm.HALF_YEARLY),
    ("Netzwerk Elternbildung", BodyKind.NETWORK, None, MeetingRhythm.HALF_YEARLY),
]


def _bodies(staff) -> None:
    municipalities = {m.name: m for m in Municipality.objects.all()}
    for name, kind, where, rhythm in BODIES:
        municipality = municipalities.get(where) if where else None
        if Body.objects.filter(name=name, municipality=municipality).exists():
            continue
        members = Partner.objects.filter(municipality=municipality)
        if municipality is None:
            kinds = {S.EARLY_HELP, S.DAYCARE} if "Frühe" in name else {S.PARENT_EDUCATION, S.SCHOOL}
            members = Partner.objects.filter(
                kind__in=kinds, municipality__isnull=True
            ) | Partner.objects.filter(
                kind__in=kinds, municipality__name__in=["Backnang", "Waiblingen", "Schorndorf"]
            )
        body = Body.objects.create(
            name=name,
            kind=kind,
            municipality=municipality,
            team=team_responsible_for(municipality) if municipality else None,
            convener=members.filter(
                kind__in=[S.TOWN_HALL, S.EARLY_HELP, S.PARENT_EDUCATION]
            ).first(),
            rhythm=rhythm,
        )
        body.members.set(members.exclude(kind=S.DAYCARE)[:8] if municipality else members[:10])
        if municipality is None or municipality.name == "Backnang":
            body.representatives.set(list(staff.values()))
