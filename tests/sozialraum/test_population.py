"""Population figures of the municipalities in the admin: the change form, the editable change
list and the CSV import."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone, translation

from sozialraum import population
from sozialraum.csvfile import CsvFileError
from sozialraum.models import Municipality

D = datetime.date
CHANGELIST_URL = "admin:sozialraum_municipality_changelist"
IMPORT_URL = "admin:sozialraum_municipality_import"
HEADER = "ags;name;population;population as of"


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def upload(content: str | bytes) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile("einwohner.csv", data, content_type="text/csv")


def figures(*names: str) -> list[tuple]:
    return list(
        Municipality.objects.filter(name__in=names)
        .order_by("name")
        .values_list("name", "population", "population_date")
    )


def all_figures() -> list[tuple]:
    return list(Municipality.objects.order_by("pk").values_list("population", "population_date"))


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def keyed(district):
    """Backnang and Korb with their official keys."""
    Municipality.objects.filter(name="Backnang").update(ags="08119008")
    Municipality.objects.filter(name="Korb").update(ags="08119038")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def summary(**counts) -> str:
    return (
        translation.gettext("Import finished: %(updated)d updated, %(unchanged)d unchanged.")
        % counts
    )


# --- The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "fields"),
    [
        ((38000, D(2024, 12, 31)), []),
        ((None, None), []),
        ((38000, None), ["population_date"]),
        ((None, D(2024, 12, 31)), ["population"]),
        ((38000, "tomorrow"), ["population_date"]),
    ],
)
def test_population_needs_its_reference_date_not_in_the_future(figure, fields):
    count, as_of = figure
    as_of = tomorrow() if as_of == "tomorrow" else as_of

    errors = population.population_errors(count, as_of)

    assert sorted(errors) == fields


# --- Change form and change list ---------------------------------------------------------------


def change_form_data(municipality: Municipality, **changes) -> dict:
    data = {
        "name": municipality.name,
        "kind": municipality.kind,
        "population": municipality.population,
        "population_date": municipality.population_date.isoformat(),
        "ags": municipality.ags,
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_change_form_saves_population_with_its_date(client_for, administration, korb):
    response = client_for(administration).post(
        reverse("admin:sozialraum_municipality_change", args=[korb.pk]),
        change_form_data(korb, population="10912", population_date="31.12.2024"),
    )

    assert response.url == reverse(CHANGELIST_URL)
    assert figures("Korb") == [("Korb", 10912, D(2024, 12, 31))]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"population": "10912", "population_date": ""},
            "population_date",
            "Give the date the population refers to.",
        ),
        (
            {"population": "", "population_date": "2024-12-31"},
            "population",
            "Give the population for this date, or clear the date.",
        ),
        (
            {"population": "10912", "population_date": "tomorrow"},
            "population_date",
            "The date must not be in the future.",
        ),
    ],
)
def test_change_form_refuses_an_incomplete_or_future_figure(
    client_for, administration, korb, changes, field, message
):
    before = figures("Korb")
    if changes["population_date"] == "tomorrow":
        changes = {**changes, "population_date": tomorrow().isoformat()}

    response = client_for(administration).post(
        reverse("admin:sozialraum_municipality_change", args=[korb.pk]),
        change_form_data(korb, **changes),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.context["adminform"].form.errors == {field: [message]}
    assert figures("Korb") == before


def test_change_form_explains_the_population_fields(client_for, administration, korb):
    response = client_for(administration).get(
        reverse("admin:sozialraum_municipality_change", args=[korb.pk])
    )

    fields = response.context["adminform"].form.fields
    assert fields["population"].help_text
    assert fields["population_date"].help_text
    assert response.context["inline_admin_formsets"][0].formset.prefix == "assignments"


def changelist_data(rows: list[tuple[Municipality, str, str]]) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "_save": "Speichern",
    }
    for index, (municipality, count, as_of) in enumerate(rows):
        data |= {
            f"form-{index}-id": str(municipality.pk),
            f"form-{index}-population": count,
            f"form-{index}-population_date": as_of,
        }
    return data


def test_change_list_edits_population_and_date(client_for, administration, korb, backnang):
    response = client_for(administration).post(
        reverse(CHANGELIST_URL) + "?q=korb",
        changelist_data([(korb, "10912", "31.12.2024")]),
    )

    assert response.status_code == 302
    assert figures("Korb") == [("Korb", 10912, D(2024, 12, 31))]


def test_change_list_shows_population_columns_as_inputs(client_for, administration, korb):
    response = client_for(administration).get(reverse(CHANGELIST_URL), {"q": "korb"})

    content = response.content.decode()
    assert 'name="form-0-population"' in content
    assert 'name="form-0-population_date"' in content
    assert reverse(IMPORT_URL) in content


def test_change_list_refuses_a_figure_without_date(client_for, administration, korb):
    before = figures("Korb")

    response = client_for(administration).post(
        reverse(CHANGELIST_URL) + "?q=korb",
        changelist_data([(korb, "10912", "")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["cl"].formset.errors[0] == {
        "population_date": ["Give the date the population refers to."]
    }
    assert figures("Korb") == before


# --- CSV import: parsing -----------------------------------------------------------------------


def test_parse_matches_by_key_without_leading_zero_and_by_name(keyed):
    content = lines(HEADER, "8119008;;39.512;31.12.2024", ";korb;10912;2024-12-31")

    rows = population.parse_populations(content)

    assert [(m.name, count, as_of) for m, count, as_of in rows] == [
        ("Backnang", 39512, D(2024, 12, 31)),
        ("Korb", 10912, D(2024, 12, 31)),
    ]


def test_parse_reads_a_file_with_names_only(district):
    content = "name,population,population as of\nWeissach im Tal,7 210,31.12.2024\n"

    rows = population.parse_populations(content)

    assert [(m.name, count) for m, count, _as_of in rows] == [("Weissach im Tal", 7210)]


BAD_FILES = {
    "missing-column": (
        lines("name;population", "Korb;10912"),
        ["Line 1: missing column(s): population as of."],
    ),
    "no-municipality-column": (
        lines("population;population as of", "10912;31.12.2024"),
        ["Line 1: give the column “ags” or the column “name”."],
    ),
    "unknown-key": (
        lines(HEADER, "08119999;;10912;31.12.2024"),
        ["Line 2, column “ags”: “08119999” is not the key of a municipality of the district."],
    ),
    "unknown-name": (
        lines(HEADER, ";Stuttgart;10912;31.12.2024"),
        ["Line 2, column “name”: “Stuttgart” is not a town or municipality of the district."],
    ),
    "bad-number": (
        lines(HEADER, ";Korb;10.9;31.12.2024"),
        ["Line 2, column “population”: “10.9” is not a whole number."],
    ),
    "bad-date": (
        lines(HEADER, ";Korb;10912;31.12.24"),
        ["Line 2, column “population as of”: “31.12.24” is not a date (DD.MM.YYYY or YYYY-MM-DD)."],
    ),
    "missing-date": (
        lines(HEADER, ";Korb;10912;"),
        ["Line 2, column “population as of”: a value is required."],
    ),
    "duplicate": (
        lines(HEADER, "08119038;;10912;31.12.2024", ";Korb;10913;31.12.2024"),
        ["Line 3: “Korb” is already on line 2."],
    ),
    "no-rows": (lines(HEADER), ["The file holds no population figures."]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_parse_names_line_and_column_of_every_error(keyed, case):
    content, expected = BAD_FILES[case]

    with translation.override("en"), pytest.raises(CsvFileError) as raised:
        population.parse_populations(content)

    assert raised.value.errors == expected


def test_parse_refuses_a_future_date(district):
    content = lines(HEADER, f";Korb;10912;{tomorrow():%d.%m.%Y}")

    with translation.override("en"), pytest.raises(CsvFileError) as raised:
        population.parse_populations(content)

    assert raised.value.errors == [
        "Line 2, column “population as of”: The date must not be in the future."
    ]


# --- CSV import: the admin page ----------------------------------------------------------------

GOOD = lines(HEADER, "08119008;Backnang;39.512;31.12.2024", ";Korb;10912;31.12.2024")


def test_import_updates_the_figures_and_shows_the_summary(client_for, administration, keyed):
    response = client_for(administration).post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    assert response.url == reverse(CHANGELIST_URL)
    assert figures("Backnang", "Korb") == [
        ("Backnang", 39512, D(2024, 12, 31)),
        ("Korb", 10912, D(2024, 12, 31)),
    ]
    with translation.override("de"):
        assert messages_of(response) == [summary(updated=2, unchanged=0)]


def test_importing_the_same_file_twice_changes_nothing(client_for, administration, keyed):
    client = client_for(administration)
    client.post(reverse(IMPORT_URL), {"file": upload(GOOD)})
    before = all_figures()

    response = client.post(reverse(IMPORT_URL), {"file": upload("\ufeff" + GOOD)})

    assert all_figures() == before
    with translation.override("de"):
        assert messages_of(response)[-1] == summary(updated=0, unchanged=2)


def test_bad_row_imports_nothing(client_for, administration, keyed):
    before = all_figures()
    content = lines(HEADER, "08119008;;39512;31.12.2024", ";Korb;viele;31.12.2024")

    response = client_for(administration).post(
        reverse(IMPORT_URL), {"file": upload(content)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.context["import_errors"] == [
        "Line 3, column “population”: “viele” is not a whole number."
    ]
    assert all_figures() == before


@pytest.mark.parametrize(
    "username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung", "no_role"]
)
def test_other_roles_are_sent_to_the_admin_login(client_for, demo_users, no_role_user, username):
    user = no_role_user if username == "no_role" else demo_users[username]
    before = all_figures()

    response = client_for(user).post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert all_figures() == before


def test_staff_flag_without_administration_role_is_refused(client_for, fachkraft):
    fachkraft.is_staff = True
    fachkraft.save()
    before = all_figures()

    response = client_for(fachkraft).post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    assert response.status_code == 403
    assert all_figures() == before


def test_anonymous_is_sent_to_the_login_page(client, district):
    before = all_figures()

    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD)})

    assert response.url == f"{resolve_url(settings.LOGIN_URL)}?next={reverse(IMPORT_URL)}"
    assert all_figures() == before


def test_import_page_lists_the_columns(client_for, administration):
    response = client_for(administration).get(reverse(IMPORT_URL))

    assert response.context["columns"] == population.COLUMNS
    assert response.context["example_url"] == ""
