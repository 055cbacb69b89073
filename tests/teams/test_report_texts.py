"""The office's own text in the annual report: who may write it, bad input, a stale save (409),
the audit trail, and the text in the page, the PDF and the DOCX."""

import io

import pytest
from django.urls import reverse

from sozialraum.models import MiddleArea, Team
from teams.models import Activity, ReportText

YEAR = 2025


def text_url(section="structure"):
    return reverse("teams:annual_report_text", args=[section])


@pytest.fixture
def worked_2025(district, team_backnang, backnang):
    Activity.objects.create(
        team=team_backnang, municipality=backnang, date="2025-03-03", kind="event", status="held"
    )


def area_key(name):
    return f"middle_area-{MiddleArea.objects.get(name=name).pk}"


def post_text(client, scope, version=None, section="structure", **fields):
    data = {"introduction": "", "examples": "", "challenges": "", "outlook": "", **fields}
    if version is not None:
        data["version"] = version
    return client.post(text_url(section) + f"?year={YEAR}&scope={scope}", data)


def test_fachbereichsleitung_writes_her_mittelbereichs_introduction(
    client_for, fbl_backnang, worked_2025
):
    client = client_for(fbl_backnang)
    scope = area_key("Backnang")

    form = client.get(text_url() + f"?year={YEAR}&scope={scope}")
    response = post_text(client, scope, introduction="Drei Teams sind vor Ort präsent.")

    assert "single cases" in form.content.decode() or "Einzelfälle" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"].endswith("#section-structure")
    text = ReportText.objects.get(year=YEAR, scope_key=scope, section="structure")
    assert (text.introduction, text.created_by, text.version) == (
        "Drei Teams sind vor Ort präsent.",
        fbl_backnang,
        1,
    )
    page = client.get(reverse("teams:annual_report") + f"?year={YEAR}&scope={scope}")
    assert "Drei Teams sind vor Ort präsent." in page.content.decode()
    docx = client.get(reverse("teams:annual_report_docx") + f"?year={YEAR}&scope={scope}")
    from docx import Document

    paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert "Drei Teams sind vor Ort präsent." in paragraphs
    pdf = client.get(reverse("teams:annual_report_pdf") + f"?year={YEAR}&scope={scope}")
    assert "Drei Teams sind vor Ort präsent." in pdf_text(pdf.content)


def pdf_text(content: bytes) -> str:
    import shutil
    import subprocess

    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run([pdftotext, "-", "-"], input=content, check=True, capture_output=True)
    return " ".join(result.stdout.decode().split())


def test_fachbereichsleitung_writes_for_a_team_of_her_mittelbereich(
    client_for, fbl_backnang, team_backnang, worked_2025
):
    response = post_text(client_for(fbl_backnang), f"team-{team_backnang.pk}", outlook="Weiter so.")

    assert response.status_code == 302
    assert ReportText.objects.get(scope_key=f"team-{team_backnang.pk}").outlook == "Weiter so."


@pytest.mark.parametrize("scope", ["district", "waiblingen"])
def test_another_scope_is_not_found_for_a_fachbereichsleitung(
    client_for, fbl_backnang, worked_2025, scope
):
    key = area_key("Waiblingen") if scope == "waiblingen" else scope
    client = client_for(fbl_backnang)

    assert client.get(text_url() + f"?year={YEAR}&scope={key}").status_code == 404
    assert post_text(client, key, introduction="x").status_code == 404
    assert not ReportText.objects.exists()


def test_a_fachkraft_cannot_write_the_text_of_her_team(
    client_for, fachkraft, team_backnang, worked_2025
):
    client = client_for(fachkraft)
    scope = f"team-{team_backnang.pk}"

    page = client.get(reverse("teams:annual_report") + f"?year={YEAR}&scope={scope}")
    response = post_text(client, scope, introduction="Von der Fachkraft.")

    assert response.status_code == 403
    assert 'id="edit-structure"' not in page.content.decode()
    assert not ReportText.objects.exists()


def test_amtsleitung_writes_the_district_text_and_sees_the_edit_links(
    client_for, amtsleitung, worked_2025
):
    client = client_for(amtsleitung)

    response = post_text(client, "district", section="networks", examples="Netzwerktreffen.")
    page = client.get(reverse("teams:annual_report") + f"?year={YEAR}&scope=district")

    assert response.status_code == 302
    content = page.content.decode()
    assert 'id="edit-networks"' in content
    assert "Netzwerktreffen." in content


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"introduction": "x" * 4001}, "introduction"), ({"examples": "a\x07b"}, "examples")],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    client_for, amtsleitung, worked_2025, fields, field
):
    response = post_text(client_for(amtsleitung), "district", **fields)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="invalid-feedback' in response.content.decode()
    assert not ReportText.objects.exists()


@pytest.mark.parametrize(
    "query", ["?year=2025&scope=district", "?year=1999&scope=district", "?year=x&scope=district"]
)
def test_unknown_section_or_year_is_not_found(client_for, amtsleitung, worked_2025, query):
    client = client_for(amtsleitung)
    section = "nonsense" if query.startswith("?year=2025") else "structure"

    response = client.get(text_url(section) + query)

    assert response.status_code == 404


def test_a_stale_save_answers_409_and_keeps_the_newer_text(
    client_for, amtsleitung, fbl_backnang, worked_2025
):
    scope = area_key("Backnang")
    post_text(client_for(fbl_backnang), scope, introduction="Erste Fassung.")
    text = ReportText.objects.get()
    loaded_version = text.version
    post_text(client_for(amtsleitung), scope, version=loaded_version, introduction="Zweite.")

    response = post_text(
        client_for(fbl_backnang), scope, version=loaded_version, introduction="Veraltet."
    )

    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    text.refresh_from_db()
    assert (text.introduction, text.version) == ("Zweite.", 2)


def test_every_version_is_in_the_audit_trail(client_for, amtsleitung, worked_2025):
    client = client_for(amtsleitung)
    post_text(client, "district", introduction="Eins.")
    post_text(client, "district", version=1, introduction="Zwei.")

    events = ReportText.pgh_event_model.objects.order_by("pgh_id")

    assert [(e.pgh_label, e.introduction) for e in events] == [
        ("insert", "Eins."),
        ("update", "Zwei."),
    ]
    assert all(e.pgh_context_id for e in events)  # with the acting user


def test_texts_are_kept_per_year(client_for, amtsleitung, worked_2025):
    client = client_for(amtsleitung)
    post_text(client, "district", introduction="Text 2025.")

    page_2026 = client.get(reverse("teams:annual_report") + "?year=2026&scope=district")

    assert "Text 2025." not in page_2026.content.decode()
    assert Team.objects.exists()
