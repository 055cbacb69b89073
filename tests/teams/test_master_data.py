"""Master data in the admin: the topics list and the closure periods with their CSV import."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation

from kooperation.models import PartnerKind
from sozialraum.csvfile import CsvFileError, decode
from teams import closures
from teams.demo import SCHOOL_HOLIDAYS, SCHOOL_VENUES
from teams.models import Activity, ClosurePeriod, Topic

D = datetime.date
SCHOOL_KINDS = [PartnerKind.SCHOOL.value, PartnerKind.SCHOOL_SOCIAL_WORK.value]
IMPORT_URL = "admin:teams_closureperiod_import"
CHANGELIST_URL = "admin:teams_closureperiod_changelist"
TOPIC_CHANGELIST_URL = "admin:teams_topic_changelist"

HEADER = "name;first day;last day;venue kinds"
AUTUMN = "Herbstferien 2025;27.10.2025;31.10.2025;school|school_social_work"
CHRISTMAS = "Weihnachtsferien 2025/26;2025-12-22;2026-01-05;Schule"
OFFICE = "Betriebsruhe;28.12.2026;31.12.2026;"


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


GOOD = lines(HEADER, AUTUMN, CHRISTMAS, OFFICE)


def upload(content: str | bytes, name: str = "ferien.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def periods() -> list[tuple]:
    return [
        (p.name, p.start, p.end, p.venue_kinds)
        for p in ClosurePeriod.objects.order_by("start", "name")
    ]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def activity_with(team, municipality, *topics) -> Activity:
    activity = Activity.objects.create(
        team=team, municipality=municipality, kind="community", date=D(2026, 2, 2), status="held"
    )
    activity.topics.set(topics)
    return activity


# --- Topics ----------------------------------------------------------------------------------


def test_topic_list_counts_the_activities_using_each_topic(
    client_for, administration, team_backnang, backnang, topics
):
    activity_with(team_backnang, backnang, topics[0])
    activity_with(team_backnang, backnang, topics[0], topics[1])

    response = client_for(administration).get(reverse(TOPIC_CHANGELIST_URL))

    assert [
        (t.name, t.is_active, t.activity_count) for t in response.context["cl"].result_list
    ] == [
        ("Familie und Erziehung", True, 2),
        ("Schule und Ausbildung", True, 1),
    ]


def test_topic_search_finds_by_name(client_for, administration, topics):
    response = client_for(administration).get(reverse(TOPIC_CHANGELIST_URL), {"q": "schule"})

    assert [t.name for t in response.context["cl"].result_list] == ["Schule und Ausbildung"]


@pytest.mark.parametrize("count", [1, 6])
def test_topic_list_query_count_does_not_grow_with_rows(
    client, administration, team_backnang, backnang, django_assert_num_queries, count
):
    for n in range(count):
        topic = Topic.objects.create(name=f"Thema {n}")
        activity_with(team_backnang, backnang, topic)
    client.force_login(administration)

    with django_assert_num_queries(11):
        response = client.get(reverse(TOPIC_CHANGELIST_URL))

    assert [t.activity_count for t in response.context["cl"].result_list] == [1] * count


def test_topic_in_use_is_not_deleted(client_for, administration, team_backnang, backnang, topics):
    activity = activity_with(team_backnang, backnang, topics[0])

    response = client_for(administration).post(
        reverse("admin:teams_topic_delete", args=[topics[0].pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert len(response.context["protected"]) == 1
    assert topics[0].name in response.context["protected"][0]
    assert list(activity.topics.all()) == [topics[0]]


def test_delete_action_refuses_all_when_one_topic_is_in_use(
    client_for, administration, team_backnang, backnang, topics
):
    activity_with(team_backnang, backnang, topics[1])

    response = client_for(administration).post(
        reverse(TOPIC_CHANGELIST_URL),
        {
            "action": "delete_selected",
            "_selected_action": [t.pk for t in topics],
            "post": "yes",
        },
    )

    assert len(response.context["protected"]) == 1
    assert topics[1].name in response.context["protected"][0]
    assert Topic.objects.count() == 2


def test_unused_topic_is_deleted(client_for, administration, team_backnang, backnang, topics):
    activity_with(team_backnang, backnang, topics[1])

    response = client_for(administration).post(
        reverse("admin:teams_topic_delete", args=[topics[0].pk]), {"post": "yes"}
    )

    assert response.url == reverse(TOPIC_CHANGELIST_URL)
    assert list(Topic.objects.values_list("name", flat=True)) == ["Schule und Ausbildung"]


def test_deactivate_and_activate_actions(
    client_for, administration, team_backnang, backnang, topics
):
    activity = activity_with(team_backnang, backnang, topics[0])
    client = client_for(administration)
    url = reverse(TOPIC_CHANGELIST_URL)

    client.post(url, {"action": "deactivate", "_selected_action": [t.pk for t in topics]})
    deactivated = list(Topic.objects.values_list("name", "is_active"))
    client.post(url, {"action": "activate", "_selected_action": [topics[1].pk]})

    assert deactivated == [("Familie und Erziehung", False), ("Schule und Ausbildung", False)]
    assert list(Topic.objects.values_list("name", "is_active")) == [
        ("Familie und Erziehung", False),
        ("Schule und Ausbildung", True),
    ]
    assert list(activity.topics.all()) == [topics[0]]


def test_topic_form_explains_the_fields(client_for, administration, topics):
    response = client_for(administration).get(
        reverse("admin:teams_topic_change", args=[topics[0].pk])
    )

    form = response.context["adminform"].form
    assert form.fields["name"].help_text
    assert form.fields["is_active"].help_text
    assert response.context["adminform"].fieldsets[0][1]["description"]


# --- Closure periods in the admin --------------------------------------------------------------


@pytest.fixture
def holidays(db):
    return [
        ClosurePeriod.objects.create(
            name="Herbstferien 2025", start=D(2025, 10, 27), end=D(2025, 10, 31), venue_kinds=[]
        ),
        ClosurePeriod.objects.create(
            name="Weihnachtsferien 2025/26",
            start=D(2025, 12, 22),
            end=D(2026, 1, 5),
            venue_kinds=SCHOOL_KINDS,
        ),
        ClosurePeriod.objects.create(
            name="Sommerferien 2026",
            start=D(2026, 7, 30),
            end=D(2026, 9, 12),
            venue_kinds=[PartnerKind.SCHOOL],
        ),
    ]


def test_closure_list_shows_german_dates_and_kind_labels(client_for, administration, holidays):
    response = client_for(administration).get(reverse(CHANGELIST_URL))

    content = response.content.decode()
    assert [p.name for p in response.context["cl"].result_list] == [
        "Herbstferien 2025",
        "Weihnachtsferien 2025/26",
        "Sommerferien 2026",
    ]
    assert "22.12.2025" in content
    assert "05.01.2026" in content
    assert f"{PartnerKind.SCHOOL.label}, {PartnerKind.SCHOOL_SOCIAL_WORK.label}" in content
    assert translation.gettext("all venues") in content
    assert "school_social_work" not in content
    assert reverse(IMPORT_URL) in content


@pytest.mark.parametrize(
    ("year", "names"),
    [
        ("2025", ["Herbstferien 2025", "Weihnachtsferien 2025/26"]),
        ("2026", ["Weihnachtsferien 2025/26", "Sommerferien 2026"]),
    ],
)
def test_year_filter_takes_periods_touching_the_year(
    client_for, administration, holidays, year, names
):
    response = client_for(administration).get(reverse(CHANGELIST_URL), {"year": year})

    assert [p.name for p in response.context["cl"].result_list] == names
    year_filter = response.context["cl"].filter_specs[0]
    assert [value for value, _label in year_filter.lookup_choices] == ["2026", "2025"]


def test_closure_form_shows_venue_kinds_as_labelled_checkboxes(client_for, administration):
    response = client_for(administration).get(reverse("admin:teams_closureperiod_add"))

    content = response.content.decode()
    for kind in PartnerKind:
        assert f'type="checkbox" name="venue_kinds" value="{kind.value}"' in content
    choices = response.context["adminform"].form.fields["venue_kinds"].choices
    assert choices == PartnerKind.choices


def test_closure_form_saves_the_ticked_kinds(client_for, administration):
    response = client_for(administration).post(
        reverse("admin:teams_closureperiod_add"),
        {
            "name": "Pfingstferien 2026",
            "start": "26.05.2026",
            "end": "05.06.2026",
            "venue_kinds": SCHOOL_KINDS,
        },
    )

    assert response.url == reverse(CHANGELIST_URL)
    assert periods() == [("Pfingstferien 2026", D(2026, 5, 26), D(2026, 6, 5), SCHOOL_KINDS)]


def test_closure_form_refuses_last_day_before_first_day(client_for, administration, holidays):
    period = holidays[0]

    response = client_for(administration).post(
        reverse("admin:teams_closureperiod_change", args=[period.pk]),
        {"name": period.name, "start": "31.10.2025", "end": "27.10.2025"},
    )

    form = response.context["adminform"].form
    assert list(form.errors) == ["end"]
    assert form.errors["end"] == [
        translation.gettext("The last day must not be before the first day.")
    ]
    period.refresh_from_db()
    assert (period.start, period.end) == (D(2025, 10, 27), D(2025, 10, 31))


# --- Closure-period CSV import: parsing --------------------------------------------------------


def test_parse_reads_both_date_forms_kind_keys_and_labels():
    with translation.override("de"):
        rows = closures.parse_closures(GOOD)

    assert [(r.name, r.start, r.end, r.venue_kinds) for r in rows] == [
        ("Herbstferien 2025", D(2025, 10, 27), D(2025, 10, 31), tuple(SCHOOL_KINDS)),
        ("Weihnachtsferien 2025/26", D(2025, 12, 22), D(2026, 1, 5), ("school",)),
        ("Betriebsruhe", D(2026, 12, 28), D(2026, 12, 31), ()),
    ]


def test_parse_accepts_commas_a_bom_and_no_venue_kinds_column():
    content = "\ufeffname,first day,last day\nBetriebsruhe,28.12.2026,31.12.2026\n".encode()

    rows = closures.parse_closures(decode(content))

    assert [(r.name, r.venue_kinds) for r in rows] == [("Betriebsruhe", ())]


# (file, the English error messages) for files with bad rows or a bad header.
BAD_FILES = {
    "missing-column": (
        lines("name;first day;venue kinds", "Herbstferien 2025;27.10.2025;school"),
        ["Line 1: missing column(s): last day."],
    ),
    "bad-date": (
        lines(HEADER, AUTUMN, "Osterferien 2026;30.3.26;11.04.2026;school"),
        [
            "Line 3, column “first day”: “30.3.26” is not a date (DD.MM.YYYY or YYYY-MM-DD).",
        ],
    ),
    "end-before-start": (
        lines(HEADER, AUTUMN, "Osterferien 2026;11.04.2026;30.03.2026;school"),
        ["Line 3, column “last day”: The last day must not be before the first day."],
    ),
    "unknown-kind": (
        lines(HEADER, "Osterferien 2026;30.03.2026;11.04.2026;school|Hort", CHRISTMAS),
        ["Line 2, column “venue kinds”: “Hort” is not a venue kind."],
    ),
    "missing-name-and-day": (
        lines(HEADER, ";30.03.2026;;"),
        [
            "Line 2, column “name”: a value is required.",
            "Line 2, column “last day”: a value is required.",
        ],
    ),
    "duplicate-row": (
        lines(HEADER, AUTUMN, CHRISTMAS, AUTUMN),
        ["Line 4: “Herbstferien 2025” is already on line 2."],
    ),
    "no-rows": (lines(HEADER), ["The file holds no closure periods."]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_parse_names_line_and_column_of_every_error(db, case):
    content, expected = BAD_FILES[case]

    with translation.override("en"), pytest.raises(CsvFileError) as raised:
        closures.parse_closures(content)

    assert raised.value.errors == expected


def test_example_file_holds_the_demo_school_holidays():
    rows = closures.parse_closures(closures.EXAMPLE_FILE.read_text(encoding="utf-8"))

    assert [(r.name, r.start, r.end) for r in rows] == SCHOOL_HOLIDAYS
    assert {r.venue_kinds for r in rows} == {tuple(kind.value for kind in SCHOOL_VENUES)}


# --- Closure-period CSV import: the admin page -------------------------------------------------


def test_import_creates_the_periods_and_shows_the_summary(client_for, administration):
    response = client_for(administration).post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    assert response.url == reverse(CHANGELIST_URL)
    assert periods() == [
        ("Herbstferien 2025", D(2025, 10, 27), D(2025, 10, 31), SCHOOL_KINDS),
        ("Weihnachtsferien 2025/26", D(2025, 12, 22), D(2026, 1, 5), ["school"]),
        ("Betriebsruhe", D(2026, 12, 28), D(2026, 12, 31), []),
    ]
    with translation.override("de"):
        expected = closures_summary(created=3, updated=0, unchanged=0)
    assert messages_of(response) == [expected]


def closures_summary(**counts) -> str:
    return (
        translation.gettext(
            "Import finished: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
        )
        % counts
    )


def test_importing_the_same_file_twice_changes_nothing(client_for, administration):
    client = client_for(administration)
    client.post(reverse(IMPORT_URL), {"file": upload(GOOD)})
    before = [(p.pk, p.name, p.start, p.end, p.venue_kinds) for p in ClosurePeriod.objects.all()]

    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    after = [(p.pk, p.name, p.start, p.end, p.venue_kinds) for p in ClosurePeriod.objects.all()]
    assert after == before
    with translation.override("de"):
        assert messages_of(response)[-1] == closures_summary(created=0, updated=0, unchanged=3)


def test_import_updates_a_period_with_the_same_name_and_dates(client_for, administration, holidays):
    autumn = holidays[0]

    response = client_for(administration).post(
        reverse(IMPORT_URL), {"file": upload(lines(HEADER, AUTUMN, CHRISTMAS))}
    )

    autumn.refresh_from_db()
    assert autumn.venue_kinds == SCHOOL_KINDS
    assert ClosurePeriod.objects.count() == 3
    with translation.override("de"):
        assert messages_of(response) == [closures_summary(created=0, updated=2, unchanged=0)]


def test_import_with_a_bom_and_german_kind_labels(client_for, administration):
    with translation.override("de"):
        school = str(PartnerKind.SCHOOL.label)
    content = lines(HEADER, f"Osterferien 2026;30.03.2026;11.04.2026;{school}")

    client_for(administration).post(
        reverse(IMPORT_URL), {"file": upload("\ufeff".encode() + content.encode())}
    )

    assert periods() == [("Osterferien 2026", D(2026, 3, 30), D(2026, 4, 11), ["school"])]


@pytest.mark.parametrize("case", ["missing-column", "bad-date", "end-before-start", "unknown-kind"])
def test_bad_file_imports_nothing_and_lists_the_errors(client_for, administration, holidays, case):
    content, expected = BAD_FILES[case]
    before = periods()

    response = client_for(administration).post(
        reverse(IMPORT_URL), {"file": upload(content)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.context["import_errors"] == expected
    assert periods() == before


def test_file_that_is_not_utf8_is_refused(client_for, administration):
    content = lines(HEADER, "Faschingsferien 2026;16.02.2026;20.02.2026;Schüle")

    response = client_for(administration).post(
        reverse(IMPORT_URL), {"file": upload(content.encode("cp1252"))}
    )

    assert len(response.context["import_errors"]) == 1
    assert ClosurePeriod.objects.count() == 0


def test_upload_without_a_file_names_the_field(client_for, administration):
    response = client_for(administration).post(reverse(IMPORT_URL), {})

    assert list(response.context["form"].errors) == ["file"]
    assert ClosurePeriod.objects.count() == 0


def test_import_page_offers_the_example_file(client_for, administration):
    client = client_for(administration)

    page = client.get(reverse(IMPORT_URL))
    example = client.get(page.context["example_url"])

    assert page.context["columns"] == closures.COLUMNS
    assert reverse("admin:teams_closureperiod_import_example") in page.content.decode()
    assert example["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(example.streaming_content) == closures.EXAMPLE_FILE.read_bytes()


@pytest.mark.parametrize(
    "url_name", [IMPORT_URL, "admin:teams_closureperiod_import_example", CHANGELIST_URL]
)
@pytest.mark.parametrize(
    "username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung", "no_role"]
)
def test_other_roles_are_sent_to_the_admin_login(
    client_for, demo_users, no_role_user, url_name, username
):
    user = no_role_user if username == "no_role" else demo_users[username]

    response = client_for(user).post(reverse(url_name), {"file": upload(GOOD)})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert ClosurePeriod.objects.count() == 0


@pytest.mark.parametrize("url_name", [IMPORT_URL, "admin:teams_closureperiod_import_example"])
def test_anonymous_is_sent_to_the_login_page(client, db, url_name):
    # As for every admin page but the index: the site-wide login requirement answers first.
    response = client.post(reverse(url_name), {"file": upload(GOOD)})

    assert response.status_code == 302
    assert response.url == f"{resolve_url(settings.LOGIN_URL)}?next={reverse(url_name)}"
    assert ClosurePeriod.objects.count() == 0


@pytest.mark.parametrize("url_name", [IMPORT_URL, "admin:teams_closureperiod_import_example"])
def test_staff_flag_without_administration_role_is_refused(client_for, fachkraft, url_name):
    fachkraft.is_staff = True
    fachkraft.save()

    response = client_for(fachkraft).post(reverse(url_name), {"file": upload(GOOD)})

    assert response.status_code == 403
    assert ClosurePeriod.objects.count() == 0
