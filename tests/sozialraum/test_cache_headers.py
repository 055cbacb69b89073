"""Cache-Control: no-store, private on every signed-in page and on every download."""

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from sozialraum.middleware import NoStoreMiddleware


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


SIGNED_IN_PAGES = [
    ("sozialraum:home", {}),
    ("teams:activity_list", {}),
    ("teams:dashboard", {}),
    ("teams:my_week", {}),
    ("kooperation:partner_list", {}),
]
DOWNLOADS = [
    ("teams:activity_export", {}),
    ("teams:activity_export_xlsx", {}),
    ("kooperation:partner_export", {"format": "csv"}),
    ("kooperation:partner_export", {"format": "xlsx"}),
]


@pytest.mark.parametrize(("name", "kwargs"), SIGNED_IN_PAGES + DOWNLOADS)
def test_signed_in_responses_are_not_stored(client_for, teamleitung, name, kwargs):
    response = client_for(teamleitung).get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)
    assert "public" not in directives(response)
    assert "ETag" not in response
    assert "Last-Modified" not in response


def test_downloads_say_so_and_are_not_stored(client_for, teamleitung):
    response = client_for(teamleitung).get(reverse("teams:activity_export"))

    assert response["Content-Disposition"].startswith("attachment")
    assert {"no-store", "private"} <= directives(response)


def test_annual_report_pdf_is_not_stored(client_for, fbl_backnang):
    response = client_for(fbl_backnang).get(reverse("teams:annual_report_pdf"))

    assert response["Content-Type"] == "application/pdf"
    assert {"no-store", "private"} <= directives(response)


def test_redirect_after_login_is_not_stored(client, fachkraft):
    from sozialraum.demo import DEMO_PASSWORD

    response = client.post("/konto/anmelden/", {"username": "fachkraft", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert {"no-store", "private"} <= directives(response)


def test_anonymous_public_page_keeps_its_own_headers(client, db):
    response = client.get(reverse("teams:public_finder"))

    assert directives(response) == {"private", "max-age=900"}


def test_static_files_stay_cacheable(client, db):
    # WhiteNoise answers before the middleware; the file must not be marked no-store.
    response = client.get("/static/css/app.css")
    response.close()

    assert response.status_code == 200
    assert "no-store" not in directives(response)


class Anonymous:
    is_authenticated = False


@pytest.mark.parametrize(
    ("response", "stored"),
    [
        (HttpResponse("<p>public</p>"), True),
        (HttpResponse("a;b", headers={"Content-Disposition": "attachment"}), False),
        (StreamingHttpResponse(iter([b"a;b\n"])), False),
        # A download its view declared public (the consultation-hour feeds) stays public.
        (
            HttpResponse(
                "BEGIN:VCALENDAR",
                headers={
                    "Content-Disposition": 'inline; filename="x.ics"',
                    "Cache-Control": "public, max-age=900",
                },
            ),
            True,
        ),
    ],
)
def test_anonymous_downloads_are_not_stored(response, stored):
    request = RequestFactory().get("/")
    request.user = Anonymous()

    result = NoStoreMiddleware(lambda request: response)(request)

    assert ("no-store" not in directives(result)) is stored
