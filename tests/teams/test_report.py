"""Annual report: hand-computed figures on a small fixture, small counts shown as "< 3", only the
scopes a user may read, and a PDF that poppler can render."""

import datetime
import re
import shutil
import subprocess
import zlib
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kooperation.models import Body, Cooperation, Partner, PartnerKind
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.services import assignment_reassign
from teams.dashboard import VENUE_BUCKETS, Scope
from teams.models import Activity, Project
from teams.report import SMALL_COUNT, annual_figures, annual_report, shown
from tests.teams.conftest import make_series

D = datetime.date
TODAY = D(2026, 11, 25)
YEAR = 2025
TITLE = "Bericht zum Stand der sozialräumlichen Arbeit in den Städten und Gemeinden"
URL = reverse("teams:annual_report")
PDF_URL = reverse("teams:annual_report_pdf")
SCHOOL_VENUE = str(VENUE_BUCKETS[0][1])


def log(team, municipality, day, kind, status="held", **fields):
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, kind=kind, status=status, **fields
    )


def partner(name, kind, municipality, status=None, *, is_active=True, **cooperation):
    created = Partner.objects.create(
        name=name, kind=kind, municipality=municipality, is_active=is_active
    )
    if status:
        Cooperation.objects.create(
            partner=created, status=status, since=D(2025, 1, 1), **cooperation
        )
    return created


@pytest.fixture
def world(team_backnang, backnang, korb, school, town_hall):
    """Team Backnang in 2025: a September consultation hour at a school (5 Tuesdays: 3 held,
    1 cancelled, 1 not logged), 2 round-table meetings of one Gremium, 1 network event, 4 held
    community-work activities, 1 running project; partners of several kinds in Backnang."""
    series = make_series(
        team_backnang,
        backnang,
        school,
        weekday=1,
        valid_from=D(2025, 9, 1),
        valid_until=D(2025, 9, 30),
    )
    for day in [2, 9, 16]:
        log(
            team_backnang,
            backnang,
            D(2025, 9, day),
            "consultation",
            consultation_hour=series,
            children=2,
        )
    log(
        team_backnang,
        backnang,
        D(2025, 9, 23),
        "consultation",
        "cancelled",
        consultation_hour=series,
        cancel_reason="Krankheit",
    )
    body = Body.objects.create(
        name="Runder Tisch Backnang", kind="round_table", municipality=backnang
    )
    log(team_backnang, backnang, D(2025, 3, 4), "round_table", body=body, professionals=6)
    log(team_backnang, backnang, D(2025, 6, 3), "round_table", body=body, professionals=5)
    log(
        team_backnang,
        backnang,
        D(2025, 11, 4),
        "round_table",
        "cancelled",
        body=body,
        cancel_reason="Krankheit",
    )
    log(team_backnang, backnang, D(2025, 5, 5), "event", young_people=40)
    for month in [2, 4, 6, 8]:
        log(team_backnang, backnang, D(2025, month, 12), "community", parents=3)
    log(team_backnang, backnang, D(2025, 10, 1), "community", "cancelled", cancel_reason="Wetter")
    log(team_backnang, backnang, D(2024, 10, 1), "community", parents=3)
    Project.objects.create(
        title="Spielplatzpaten", team=team_backnang, status="running", start=D(2025, 3, 1)
    )
    Project.objects.create(
        title="Ferienprogramm", team=team_backnang, status="planned", start=D(2025, 7, 1)
    )
    Project.objects.create(
        title="Elterncafé",
        team=team_backnang,
        status="completed",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
    )

    Cooperation.objects.create(
        partner=school,
        status="active",
        since=D(2025, 5, 1),
        agreement_date=D(2025, 5, 1),
        next_step="Jahresgespräch",
        next_step_due=D(2099, 1, 31),
    )
    partner(
        "Bürgerstiftung Backnang",
        "volunteers",
        backnang,
        "agreed",
        agreement_date=D(2025, 2, 1),
        next_step="Treffen",
        next_step_due=D(2025, 1, 10),
    )
    partner(
        "Nachbarschaftshilfe Backnang",
        "volunteers",
        backnang,
        "initiated",
        next_step="Anruf",
        next_step_due=D(2025, 6, 1),
    )
    partner("Lesepaten Backnang", "volunteers", backnang, "initiated", next_step="Besuch")
    partner(
        "Stadtteiltreff Backnang",
        "community_project",
        backnang,
        "active",
        agreement_date=D(2024, 6, 1),
    )
    partner(
        "Familienhilfe Backnang",
        "outpatient_help",
        backnang,
        "active",
        is_active=False,
        agreement_date=D(2025, 3, 3),
    )
    partner(
        "Bürgerverein Korb",
        "volunteers",
        korb,
        "agreed",
        agreement_date=D(2025, 4, 1),
        next_step="Treffen",
    )
    return {"series": series, "body": body}


def rows(table) -> dict:
    return {str(row[0]): row[1:] for row in table.rows}


def label(kind) -> str:
    return str(PartnerKind(kind).label)


def team_scope(team) -> Scope:
    return Scope("team", team.pk, f"Team {team.name}")


# --- Small counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (1, SMALL_COUNT), (2, SMALL_COUNT), (3, 3), (250, 250), ("–", "–"), (True, True)],
)
def test_shown_hides_only_counts_of_one_and_two(value, expected):
    assert shown(value) == expected


# --- Figures ---------------------------------------------------------------------------------


def test_presence_figures_as_counted(world, fbl_backnang, team_backnang):
    report = annual_figures(fbl_backnang, team_scope(team_backnang), YEAR, TODAY)

    # Tuesdays in September 2025: 2, 9, 16, 23, 30; 3 held, the 23rd cancelled, the 30th open.
    # Expected; held 2025, 2024 and the change; cancelled.
    assert rows(report.consultations)[SCHOOL_VENUE] == [5, 3, 0, 3, 1]
    assert len(report.consultations.headers) == 6
    # Meetings held and Gremien that met, each with 2024 and the change; the working groups'
    # row of zeros collapses into the note below the table.
    assert rows(report.meetings) == {str(Activity.Kind.ROUND_TABLE.label): [2, 0, 2, 1, 0, 1]}
    assert report.meetings.collapsed == [str(Activity.Kind.WORKING_GROUP.label)]
    assert report.facts == {
        "projects": (1, 1),
        "project_work": (0, 0),
        "events": (1, 0),
        "community_work": (4, 1),
    }


def test_published_report_hides_persons_but_not_dates_or_meetings(
    world, fbl_backnang, team_backnang
):
    report = annual_report(fbl_backnang, team_scope(team_backnang), YEAR, TODAY)

    assert rows(report.consultations)[SCHOOL_VENUE] == [5, 3, 0, 3, 1]
    assert rows(report.meetings) == {str(Activity.Kind.ROUND_TABLE.label): [2, 0, 2, 1, 0, 1]}
    assert report.facts["projects"] == (1, 1)
    # Backnang 2025: children 6, young people 40, parents 12, professionals 11 (counts of
    # persons of 3 or more: shown); 2024: 3 parents.
    assert rows(report.persons)["Backnang"] == [6, 40, 12, 11, 0, 69, 0]
    assert rows(report.persons_compared)["Backnang"] == [69, 3, 66, 0, 0, 0]


def test_cooperation_figures_by_partner_kind(world, fbl_backnang, team_backnang):
    report = annual_report(fbl_backnang, team_scope(team_backnang), YEAR, TODAY)

    # Columns: partners, no cooperation, initiated, building, agreed, active, dormant, ended.
    partners = rows(report.partners)
    # Institutions are not persons: counts of 1 and 2 are shown as they are.
    assert partners[label("volunteers")] == [3, 0, 2, 0, 1, 0, 0, 0]
    assert partners[label("school")] == [1, 0, 0, 0, 0, 1, 0, 0]
    assert partners[label("town_hall")] == [1, 1, 0, 0, 0, 0, 0, 0]
    assert label("outpatient_help") in report.partners.collapsed  # the only one is inactive
    assert rows(report.agreements) == {
        label("school"): [1, 0, 1],
        label("volunteers"): [1, 0, 1],
        label("outpatient_help"): [1, 0, 1],  # made in 2025, the partner inactive since
        label("community_project"): [0, 1, -1],
    }


def test_community_support_and_next_steps(world, fbl_backnang, team_backnang):
    report = annual_report(fbl_backnang, team_scope(team_backnang), YEAR, TODAY)

    assert list(rows(report.community)) == [label("volunteers"), label("community_project")]
    assert report.community.collapsed == [label("outpatient_help")]
    assert rows(report.community)[label("community_project")] == [1, 0, 0, 0, 0, 1, 0, 0]
    assert rows(report.next_steps) == {label("school"): [1, 0], label("volunteers"): [3, 2]}
    assert report.without_event == []


def test_structure_and_gaps_of_a_middle_area(world, fbl_backnang):
    area = MiddleArea.objects.get(name="Backnang")

    report = annual_report(fbl_backnang, Scope("middle_area", area.pk, "Backnang"), YEAR, TODAY)

    [structure] = report.structure
    assert (structure.name, structure.heads) == ("Backnang", ["Beate Bereichsleitung"])
    assert [team.name for team in structure.teams] == [
        "Backnang",
        "Backnang Umland",
        "Oberes Murrtal",
    ]
    backnang_team = structure.teams[0]
    assert [(m.name, m.population) for m in backnang_team.municipalities] == [("Backnang", 35603)]
    assert [m.name for m in report.without_event] == [
        "Allmersbach im Tal",
        "Althütte",
        "Aspach",
        "Auenwald",
        "Burgstetten",
        "Großerlach",
        "Kirchberg an der Murr",
        "Murrhardt",
        "Oppenweiler",
        "Spiegelberg",
        "Sulzbach an der Murr",
        "Weissach im Tal",
    ]


def test_structure_is_the_one_at_the_end_of_the_year(district, amtsleitung, backnang):
    umland = Team.objects.get(name="Backnang Umland")
    assignment_reassign(municipality=backnang, team=umland, effective=D(2026, 2, 1))
    area = MiddleArea.objects.get(name="Backnang")
    scope = Scope("middle_area", area.pk, "Backnang")

    def teams_of_backnang(year):
        [structure] = annual_report(amtsleitung, scope, year, TODAY).structure
        return [t.name for t in structure.teams if "Backnang" in [m.name for m in t.municipalities]]

    assert teams_of_backnang(2025) == ["Backnang"]
    assert teams_of_backnang(2026) == ["Backnang Umland"]


# --- Pages -----------------------------------------------------------------------------------


class TableText(HTMLParser):
    """The text of the cells of the table with ``id``, row by row."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def report_part(response) -> str:
    """The page from the report's heading on (without the navigation and its user menu)."""
    content = response.content.decode()
    return content[content.index("<h1") :]


def table_text(content: str, table_id: str) -> dict:
    parser = TableText(table_id)
    parser.feed(content)
    return {row[0]: row[1:] for row in parser.rows[1:]}


def test_page_shows_the_published_figures_and_links_the_pdf(
    client_for, fachkraft, team_backnang, world
):
    response = client_for(fachkraft).get(URL, {"year": YEAR})

    content = report_part(response)
    assert response.context["report"].scope.key == f"team-{team_backnang.pk}"
    assert table_text(content, "report-consultations")[SCHOOL_VENUE] == ["5", "3", "0", "3", "1"]
    assert table_text(content, "report-next_steps")[label("volunteers")] == ["3", "2"]
    assert label("town_hall") not in table_text(content, "report-next_steps")
    facts = table_text(content, "report-community_facts")
    assert facts["Durchgeführte Aktivitäten der Gemeinwesenarbeit"] == ["4", "1", "3"]
    assert f'href="{PDF_URL}?year=2025&amp;scope=team-{team_backnang.pk}"' in content
    assert "Jahresgespräch" not in content  # no notes or next-step texts
    assert "Friederike" not in content  # no staff names


def test_page_names_no_one_but_the_heads(client_for, fbl_backnang, world):
    area = MiddleArea.objects.get(name="Backnang")

    response = client_for(fbl_backnang).get(URL, {"year": YEAR, "scope": f"middle_area-{area.pk}"})

    content = report_part(response)
    assert "Beate Bereichsleitung" in content
    assert "Runder Tisch Backnang" not in content  # no partner or Gremium names
    assert "Bürgerstiftung" not in content


@pytest.mark.parametrize(
    ("username", "scope"),
    [
        ("fbl-backnang", lambda: f"middle_area-{MiddleArea.objects.get(name='Waiblingen').pk}"),
        ("fachkraft", lambda: f"middle_area-{MiddleArea.objects.get(name='Backnang').pk}"),
        ("fachkraft", lambda: f"team-{Team.objects.get(name='Winnenden').pk}"),
        ("fachkraft", lambda: f"municipality-{Municipality.objects.get(name='Korb').pk}"),
        ("fachkraft", lambda: "district"),
    ],
    ids=[
        "other-middle-area",
        "own-middle-area-as-staff",
        "other-team",
        "other-municipality",
        "district",
    ],
)
def test_a_scope_the_user_may_not_read_is_not_found(client_for, demo_users, username, scope):
    client = client_for(demo_users[username])

    page = client.get(URL, {"year": YEAR, "scope": scope()})
    pdf = client.get(PDF_URL, {"year": YEAR, "scope": scope()})

    assert (page.status_code, pdf.status_code) == (404, 404)
    assert "report" not in (page.context or {})


@pytest.mark.parametrize("year", ["2099", "1999", "zwanzig"])
def test_a_year_without_a_report_is_not_found(client_for, fachkraft, world, year):
    response = client_for(fachkraft).get(URL, {"year": year})

    assert response.status_code == 404


def test_a_user_without_a_role_gets_no_report(client_for, no_role_user):
    response = client_for(no_role_user).get(URL)

    assert response.status_code == 404


def test_defaults_are_this_year_and_the_widest_scope(client_for, fbl_backnang, world):
    area = MiddleArea.objects.get(name="Backnang")

    response = client_for(fbl_backnang).get(URL)

    report = response.context["report"]
    assert (report.scope.key, report.year) == (f"middle_area-{area.pk}", datetime.date.today().year)
    assert [year for year, _label in response.context["form"].fields["year"].choices][-1] == 2024


def test_page_query_count_does_not_grow_with_activities_and_partners(
    client, fbl_backnang, team_backnang, backnang, world
):
    Activity.objects.all().delete()
    log(team_backnang, backnang, D(2025, 3, 3), "community")
    client.force_login(fbl_backnang)

    with CaptureQueriesContext(connection) as one:
        client.get(URL, {"year": YEAR})
    umland = Team.objects.get(name="Backnang Umland")
    aspach = Municipality.objects.get(name="Aspach")
    other_body = Body.objects.create(
        name="AK Jugend Aspach", kind="working_group", municipality=aspach
    )
    for n in range(1, 9):
        log(umland, aspach, D(2025, 1, n), "working_group", body=other_body)
        log(team_backnang, backnang, D(2025, 2, n), "event")
        log(
            team_backnang, backnang, D(2025, 9, 2) + datetime.timedelta(weeks=n - 1), "consultation"
        )
        partner(f"Initiative {n}", "volunteers", aspach, "building", next_step="Treffen")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"year": YEAR})

    assert response.context["report"].facts["events"] == (8, 0)
    assert len(many.captured_queries) == len(one.captured_queries)


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture
def pdf(client_for, fachkraft, team_backnang, world):
    return client_for(fachkraft).get(PDF_URL, {"year": YEAR, "scope": f"team-{team_backnang.pk}"})


def test_pdf_is_a_named_pdf_download(pdf, team_backnang):
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        pdf["Content-Disposition"]
        == f'attachment; filename="jahresbericht-2025-team-{team_backnang.pk}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")


def test_pdf_first_page_renders_to_png(pdf, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf.content)

    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )

    [page] = tmp_path.glob("page*.png")
    assert page.read_bytes().startswith(b"\x89PNG")


def test_pdf_text_has_title_scope_and_hidden_small_counts(pdf, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf.content)

    result = subprocess.run(
        [pdftotext, "-layout", str(source), "-"], check=True, capture_output=True, text=True
    )

    text = " ".join(result.stdout.split())
    assert TITLE in text
    assert "Team Backnang · 2025" in text
    assert "< 3" in text
    assert re.search(r"\b1 ?/ ?[1-9]\b", text)  # page numbers


def test_pdf_is_tagged_with_title_and_language(pdf, tmp_path):
    pdfinfo = shutil.which("pdfinfo")
    if not pdfinfo:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf.content)

    result = subprocess.run(
        [pdfinfo, str(source)], check=True, capture_output=True, text=True
    ).stdout

    info = dict(line.split(":", 1) for line in result.splitlines() if ":" in line)
    assert info["Tagged"].strip() == "yes"
    assert info["Title"].strip().startswith(TITLE)
    objects = pdf.content + pdf_objects(pdf.content)
    assert b"/Lang (de)" in objects
    assert b'pdfuaid:part="1"' in objects  # PDF/UA-1 in the XMP metadata


def pdf_objects(content: bytes) -> bytes:
    """The PDF's compressed streams, inflated (the catalog sits in an object stream)."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not a Flate stream
    return b"".join(inflated)
