from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "de" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(CATALOGUE / "django.po"))


def entries(catalogue):
    def key(entry):
        return (entry.msgctxt, entry.msgid)

    def value(entry):
        return tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr

    return {key(e): value(e) for e in catalogue if e.msgid and not e.obsolete}


def test_catalogue_has_no_empty_entries(po):
    assert [e.msgid for e in po.untranslated_entries()] == []


def test_catalogue_has_no_fuzzy_entries(po):
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source(po):
    mo = polib.mofile(str(CATALOGUE / "django.mo"))

    assert entries(mo) == entries(po)


def test_catalogue_keeps_every_placeholder(po):
    def placeholders(text):
        import re

        return sorted(re.findall(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}", text))

    broken = [
        e.msgid
        for e in po.translated_entries()
        if not e.msgid_plural and placeholders(e.msgid) != placeholders(e.msgstr)
    ]
    assert broken == []


# --- No English left in the German catalogue ---------------------------------------------------

# Words that are the same in German and English, and German names the code uses as msgids
# (titles, school types, the office's own terms): their msgstr may equal the msgid.
SAME_IN_BOTH_LANGUAGES = {
    "Administration",
    "Android",
    "Outlook (Exchange, Microsoft 365)",
    "Person",
    "Code",
    "CSV",
    "Details",
    "Excel",
    "Filter",
    "Gremien",
    "Gremium",
    "Große Kreisstadt",
    "Mittelbereich",
    "Mittelbereiche",
    "Mittelbereich %(area)s",
    "Mittelbereich %(name)s",
    "Mittelbereich %(name)s (Fachbereichsleitung: %(heads)s)",
    "%(counter)s Mittelbereich",
    "Name",
    "Partner",
    "Sozialraum",
    "Sozialraumteam",
    "Sozialraumteam %(name)s",
    "Sozialraumteam %(team)s",
    "Start",
    "Status",
    "System: %(name)s",
    "Team",
    "Team %(name)s",
    "Teams",
    "Website",
    # School types.
    "Gemeinschaftsschule",
    "Gymnasium",
    "Realschule",
    "Werkrealschule / Hauptschule",
    # The annual report's section titles, German in the source (the report follows a template).
    "Bericht zum Stand der sozialräumlichen Arbeit in den Städten und Gemeinden",
    "Die Struktur",
    "Intensivierung der Kooperation",
    "Präsenz vor Ort",
    "Unterstützung des Gemeinwesens",
    "Weitere Schritte",
}


def has_words(text):
    """Whether a text says anything once its placeholders are taken out."""
    import re

    return re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)[sd]|%%", "", text)) is not None


def test_no_german_msgstr_is_left_in_english(po):
    untranslated = []
    for e in po.translated_entries():
        if e.msgid_plural:
            same = e.msgstr_plural.get(0) == e.msgid or e.msgstr_plural.get(1) == e.msgid_plural
        else:
            same = e.msgstr == e.msgid
        if same and has_words(e.msgid) and e.msgid not in SAME_IN_BOTH_LANGUAGES:
            untranslated.append(e.msgid)
    assert untranslated == []


def test_the_allow_list_names_only_msgids_of_the_catalogue(po):
    assert SAME_IN_BOTH_LANGUAGES - {e.msgid for e in po} == set()


# --- No German date pattern in the English UI --------------------------------------------------

WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "3. Friday", "1. December 2026", "Friday, 18.12.": German patterns in English words.
GERMAN_DATE = rf"\b\d{{1,2}}\. (?:{WEEKDAYS}|{MONTHS})\b|\b(?:{WEEKDAYS}), \d{{2}}\.\d{{2}}\."


def test_the_german_date_pattern_is_recognised():
    import re

    for text in ["am 3. Friday", "1. December 2026", "Friday, 18.12."]:
        assert re.search(GERMAN_DATE, text)
    for text in ["the 3rd Friday", "Friday, December 18, 2026", "Friday, 12/18"]:
        assert not re.search(GERMAN_DATE, text)


def test_templates_write_no_fixed_german_date_format():
    """A date format in a template is a named format (DATE_FORMAT, …), a machine format (ISO)
    or a translated one (``date:_("l, F j, Y")``), never a German pattern for every language."""
    import re

    root = Path(settings.BASE_DIR) / "templates"
    fixed = []
    for template in root.rglob("*.html"):
        for match in re.finditer(r"\|date:([\"'])(.*?)\1", template.read_text()):
            if re.search(r"[jdDl]\.|\bd\.m\b|j\. F", match.group(2)):
                fixed.append(f"{template.relative_to(root)}: {match.group(2)}")
    assert fixed == []


@pytest.mark.parametrize(
    ("rule", "english", "german"),
    [
        ("FREQ=MONTHLY;BYDAY=+1MO", "on the 1st Monday of the month", "am 1. Montag im Monat"),
        ("FREQ=MONTHLY;BYDAY=+2TU", "on the 2nd Tuesday of the month", "am 2. Dienstag im Monat"),
        ("FREQ=MONTHLY;BYDAY=+3FR", "on the 3rd Friday of the month", "am 3. Freitag im Monat"),
        (
            "FREQ=MONTHLY;BYDAY=+4TH",
            "on the 4th Thursday of the month",
            "am 4. Donnerstag im Monat",
        ),
    ],
)
def test_recurrence_has_ordinals_in_each_language(rule, english, german):
    from django.utils import translation

    from teams.recurrence import describe

    with translation.override("en"):
        assert describe(rule) == english
    with translation.override("de"):
        assert describe(rule) == german


@pytest.mark.django_db
def test_public_finder_in_english_has_english_dates(
    client, backnang, town_hall_backnang, monkeypatch
):
    """The finder shows a monthly series' rule and its next dates: English words, English order."""
    import datetime
    import re

    from django.urls import reverse

    from sozialraum.models import Team
    from teams import public
    from teams.models import ConsultationHour

    monkeypatch.setattr(public, "local_today", lambda: datetime.date(2026, 12, 14))
    ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        venue=town_hall_backnang,
        rrule="FREQ=MONTHLY;BYDAY=+3FR",
        start_time=datetime.time(15),
        end_time=datetime.time(17),
        valid_from=datetime.date(2026, 12, 1),
        is_public=True,
    )
    url = reverse("teams:public_finder")

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "On the 3rd Friday of the month" in english
    assert "Friday, December 18, 2026" in english
    assert re.findall(GERMAN_DATE, english) == []
    assert "Am 3. Freitag im Monat" in german
    assert "Freitag, 18. Dezember 2026" in german


# --- Texts Django leaves English or words badly ------------------------------------------------


@pytest.mark.django_db
def test_failed_login_says_that_name_or_password_is_wrong(client, fachkraft):
    from django.urls import reverse

    response = client.post(reverse("login"), {"username": fachkraft.username, "password": "wrong"})

    content = response.content.decode()
    assert "Benutzername oder Passwort ist falsch." in content
    assert "eingeben" not in " ".join(response.context["form"].non_field_errors())


@pytest.mark.django_db
def test_audit_trail_names_the_fields_of_link_tables_in_german(
    client_for, administration, fachkraft, backnang
):
    """Django names the columns of its many-to-many tables after the models, in English."""
    import datetime

    import pghistory
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from sozialraum.models import Team
    from teams.models import Activity, Topic

    activity = Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        date=datetime.date(2026, 11, 3),
        kind=Activity.Kind.COMMUNITY,
    )
    topic = Topic.objects.create(name="Familie und Erziehung")
    with pghistory.context(user=administration.pk):
        activity.staff.add(fachkraft)
        activity.topics.add(topic)
        fachkraft.groups.add(Group.objects.get(name="Amtsleitung"))
    url = reverse("sozialraum:audit_list")
    client = client_for(administration)

    def fields(kind):
        entry = client.get(url, {"model": kind}).context["entries"][0]  # the newest
        return sorted(change.field for change in entry.changes)

    assert fields("teams.activity_staff") == ["Aktivität", "Benutzerkonto"]
    assert fields("teams.activity_topics") == ["Aktivität", "Thema"]
    assert fields("sozialraum.user_groups") == ["Benutzerkonto", "Gruppe"]


@pytest.mark.django_db
def test_admin_yes_no_icons_and_search_icon_speak_german(client_for, administration):
    import re

    from django.urls import reverse

    response = client_for(administration).get(reverse("admin:sozialraum_team_changelist"))

    content = response.content.decode()
    alts = set(re.findall(r'<img src="[^"]*icon-(?:yes|no|unknown)\.svg" alt="([^"]*)"', content))
    assert alts and alts <= {"ja", "nein", "unbekannt"}
    assert 'alt="Suche"' in content
    assert not re.search(r'alt="(True|False|None|Search)"', content)
