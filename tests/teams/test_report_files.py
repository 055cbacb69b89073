"""The annual report's files for the Jugendhilfeausschuss: the tagged PDF of the district with
every municipality, the previous year and the Einzelfallhilfen; the DOCX with the same tables;
a municipality's profile alone; all profiles as a background job run by a real worker; and a
number of queries that does not grow with the municipalities."""

import datetime
import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kooperation.models import Body, Partner
from sozialraum.jobs.models import Job, JobState
from sozialraum.models import Municipality, Team
from teams.dashboard import Scope
from teams.models import Activity
from teams.report import annual_report, report_sections
from tests.sozialraum.test_jobs import state_of, wait_for, worker  # noqa: F401 - a fixture

D = datetime.date
YEAR = 2025
URL = reverse("teams:annual_report")
PDF_URL = reverse("teams:annual_report_pdf")
DOCX_URL = reverse("teams:annual_report_docx")
DISTRICT = {"year": YEAR, "scope": "district"}


def log(team, municipality, day, kind, status="held", **fields):
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, kind=kind, status=status, **fields
    )


@pytest.fixture
def year_of_work(district):
    """In 2025 and 2024: activities with contacts and helps in the first municipality of each
    team, a network meeting of the Frühe Hilfen network; partners in Backnang."""
    network = Body.objects.create(name="Netzwerk Frühe Hilfen", kind="network")
    for team in Team.objects.all():
        municipality = team.assignments.first().municipality
        for year, parents in [(YEAR, 9), (YEAR - 1, 4)]:
            log(team, municipality, D(year, 3, 3), "consultation", parents=parents, children=5)
            log(team, municipality, D(year, 4, 4), "event", young_people=20, helps_initiated=3)
        log(team, municipality, D(YEAR, 5, 5), "round_table", body=network, professionals=7)
    backnang = Municipality.objects.get(name="Backnang")
    for n in range(2):
        Partner.objects.create(name=f"Kita {n}", kind="daycare", municipality=backnang)


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def pdf_text(tmp_path, content: bytes) -> str:
    source = tmp_path / "report.pdf"
    source.write_bytes(content)
    result = subprocess.run(
        [poppler("pdftotext"), str(source), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


@pytest.fixture
def district_pdf(client_for, amtsleitung, year_of_work):
    response = client_for(amtsleitung).get(PDF_URL, DISTRICT)
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_district_pdf_is_tagged_pdf_ua(district_pdf, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(district_pdf)

    info = subprocess.run(
        [poppler("pdfinfo"), str(source)], check=True, capture_output=True, text=True
    ).stdout

    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Tagged"].strip() == "yes"
    assert fields["Title"].strip().startswith("Bericht zum Stand der sozialräumlichen Arbeit")
    assert int(fields["Pages"]) >= 3


def test_district_pdf_names_every_municipality_the_previous_year_and_the_helps(
    district_pdf, tmp_path
):
    text = pdf_text(tmp_path, district_pdf)

    missing = [m.name for m in Municipality.objects.all() if m.name not in text]
    assert missing == []
    assert "2024" in text and "2025" in text
    assert "Einzelfallhilfen" in text
    assert "Kreisjugendamt Rems-Murr-Kreis" in text  # the office, on the cover and running head
    assert "Netzwerk Frühe Hilfen" in text


def docx_tables(content: bytes) -> list[list[list[str]]]:
    from docx import Document

    document = Document(io.BytesIO(content))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_docx_holds_the_same_tables_as_the_report(client_for, amtsleitung, year_of_work):
    client = client_for(amtsleitung)

    response = client.get(DOCX_URL, DISTRICT)
    page = client.get(URL, DISTRICT)

    assert (
        response["Content-Disposition"] == 'attachment; filename="jahresbericht-2025-district.docx"'
    )
    tables = docx_tables(response.content)
    report = page.context["report"]
    expected = [
        [[str(h) for h in table.headers], *[[str(c) for c in row] for row in table.rows]]
        for section in report_sections(report)
        for table in section.tables
        if table.rows
    ]
    # Numbers are printed without grouping in the DOCX and the Word table holds them as text.
    assert [[[c.replace(".", "") for c in row] for row in t] for t in tables] == [
        [[c.replace(".", "") for c in row] for row in t] for t in expected
    ]
    from docx import Document

    headings = [
        p.text
        for p in Document(io.BytesIO(response.content)).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert headings[:7] == [s.heading for s in report_sections(report)]


def test_a_municipalitys_profile_is_a_pdf_of_its_own(
    client_for, amtsleitung, year_of_work, tmp_path
):
    backnang = Municipality.objects.get(name="Backnang")
    url = reverse("teams:annual_report_profile", args=[backnang.pk])

    response = client_for(amtsleitung).get(url, DISTRICT)

    text = pdf_text(tmp_path, response.content)
    info = subprocess.run(
        [poppler("pdfinfo"), str(tmp_path / "report.pdf")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Pages:           1" in info  # one page
    assert "Tagged:          yes" in info
    assert "Backnang" in text and "Waiblingen" not in text
    assert "Kita" not in text  # partners are counted, never named
    assert response["Content-Disposition"] == (
        f'attachment; filename="gemeindeprofil-2025-{backnang.pk}.pdf"'
    )


def test_a_profile_outside_the_scope_is_not_found(client_for, fbl_backnang, year_of_work):
    waiblingen = Municipality.objects.get(name="Waiblingen")
    url = reverse("teams:annual_report_profile", args=[waiblingen.pk])

    response = client_for(fbl_backnang).get(url, {"year": YEAR})

    assert response.status_code == 404


def test_report_queries_do_not_grow_with_the_municipalities(
    client, amtsleitung, year_of_work, district
):
    client.force_login(amtsleitung)
    client.get(URL, DISTRICT)  # the structure cache is warm for both measurements
    with CaptureQueriesContext(connection) as few:
        client.get(URL, DISTRICT)
    team = Team.objects.first()
    network = Body.objects.create(name="Netzwerk Elternbildung", kind="network")
    for municipality in Municipality.objects.all():
        log(team, municipality, D(YEAR, 6, 6), "community", parents=4, helps_initiated=1)
        log(team, municipality, D(YEAR - 1, 6, 6), "round_table", body=network)
        Partner.objects.create(
            name=f"Schule {municipality.name}", kind="school", municipality=municipality
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, DISTRICT)

    assert len(response.context["report"].places) >= 31
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_all_profiles_are_made_by_the_worker_as_one_pdf(
    worker,  # noqa: F811 - the fixture imported above
    client_for,
    tmp_path,
):
    from django.core.management import call_command

    from sozialraum.demo import demo_load

    call_command("load_district", stdout=io.StringIO())
    demo_load()
    from sozialraum.models import User

    fbl = User.objects.get(username="fbl-backnang")
    for team in Team.objects.filter(middle_area__name="Backnang"):
        log(team, team.assignments.first().municipality, D(YEAR, 3, 3), "event", parents=5)
    area_scope = next(scope for scope in annual_scopes(fbl) if scope.kind == "middle_area")
    worker()
    client = client_for(fbl)

    response = client.post(
        reverse("teams:annual_report_profiles") + f"?year={YEAR}&scope={area_scope.key}"
    )

    assert response.status_code == 302
    job = Job.objects.get(user=fbl)
    wait_for(lambda: state_of(job) in (JobState.DONE, JobState.FAILED), timeout=120, what="job")
    assert job.state == JobState.DONE, job.error
    download = client.get(reverse("sozialraum:job_download", args=[job.pk]))
    text = pdf_text(
        tmp_path, b"".join(download.streaming_content) if download.streaming else download.content
    )
    report = annual_report(fbl, area_scope, YEAR, D.today())
    names = [p.municipality.name for p in report.profiles]
    assert len(names) >= 10
    assert [name for name in names if name not in text] == []
    assert job.result_filename == f"gemeindeprofile-2025-{area_scope.key}.pdf"


def annual_scopes(user) -> list[Scope]:
    from teams.dashboard import scopes_for

    return scopes_for(user)


def test_targets_of_the_year_are_in_the_report_and_the_docx(client_for, amtsleitung, year_of_work):
    from sozialraum.models import MiddleArea
    from teams.models import Target, TargetIndicator

    Target.objects.create(
        year=YEAR,
        middle_area=MiddleArea.objects.get(name="Backnang"),
        indicator=TargetIndicator.CONSULTATIONS_PER_MONTH,
        value=4,
    )
    client = client_for(amtsleitung)

    page = client.get(URL, DISTRICT)
    docx = docx_tables(client.get(DOCX_URL, DISTRICT).content)

    [targets] = [
        t for s in report_sections(page.context["report"]) for t in s.tables if t.key == "targets"
    ]
    assert [str(cell) for cell in targets.rows[0][:3]] == [
        str(TargetIndicator.CONSULTATIONS_PER_MONTH.label),
        "Mittelbereich Backnang",
        "4",
    ]
    assert 'id="report-targets"' in page.content.decode()
    assert [str(h) for h in targets.headers] in [table[0] for table in docx]


def test_profiles_of_another_mittelbereich_start_no_job(client_for, fbl_backnang, year_of_work):
    from sozialraum.models import MiddleArea

    other = MiddleArea.objects.get(name="Waiblingen")
    url = reverse("teams:annual_report_profiles") + f"?year={YEAR}&scope=middle_area-{other.pk}"

    response = client_for(fbl_backnang).post(url)

    assert response.status_code == 404
    assert not Job.objects.exists()


def test_chart_is_valid_svg_with_a_title_and_every_figure():
    from xml.etree import ElementTree

    from teams.charts import comparison_bars

    svg = comparison_bars(
        "t", "Aktivitäten <2025>", [("Sprechstunde", 12, 7), ("Leer", 0, 0)], "2025", "2024"
    )

    root = ElementTree.fromstring(str(svg))  # noqa: S314 - the application's own output
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert root.find(f"{ns}title").text == "Aktivitäten <2025>"
    assert root.get("role") == "img"
    assert {"Sprechstunde", "12", "7", "2025", "2024"} <= set(texts)
    assert "Leer" not in texts  # a row of zeros is not drawn
