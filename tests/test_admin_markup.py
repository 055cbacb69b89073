"""The Django admin's markup where the Nu HTML checker found Django's own invalid (issue 13): the
search-as-you-type selects start with a named empty choice, and no input in a table row points
with ``aria-describedby`` to a help text that is not on the page. The crawler
(tests/browser/test_crawl_accessibility.py) runs the Nu checker itself; these tests show the
causes fast and on more pages (every registered model's list, add and change page)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse

from kooperation.models import Body, Cooperation, Partner
from sozialraum.admin import MasterDataAdmin
from sozialraum.models import Municipality
from teams.models import ConsultationHour

PLEASE_CHOOSE = "– bitte wählen –"


class Page(HTMLParser):
    """The ids of a page, the ids its ``aria-describedby`` and ``aria-labelledby`` name, and the
    options of each select."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[tuple[str, str]] = []
        self.selects: dict[str, list[tuple[str, bool, str]]] = {}
        self._select: str | None = None
        self._option: list | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("aria-describedby", "aria-labelledby"):
            for ref in (attrs.get(name) or "").split():
                self.references.append((attrs.get("name") or attrs.get("id") or tag, ref))
        if tag == "select":
            self._select = attrs.get("name")
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, ""]
            self.selects[self._select].append(self._option)

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data.strip()

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None

    def dangling(self) -> list[tuple[str, str]]:
        return [(element, ref) for element, ref in self.references if ref not in self.ids]


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """All demo data, loaded once for the module (the tests only read, or roll back)."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        call_command("load_district", stdout=io.StringIO())
        call_command("load_demo", force=True, stdout=io.StringIO())
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def admin_client(client, demo_data, db):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def page(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, url
    return Page(response.content.decode())


def admin_url(model, name: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)
    except NoReverseMatch:
        return None


def our_models():
    return sorted(
        (m for m, a in admin.site._registry.items() if isinstance(a, MasterDataAdmin)),
        key=lambda model: model._meta.label,
    )


def test_every_aria_reference_of_an_admin_page_is_on_the_page(admin_client):
    dangling = {}
    checked = []
    for model in our_models():
        obj = model._default_manager.order_by("pk").last()
        urls = [admin_url(model, "changelist"), admin_url(model, "add")]
        if obj is not None:
            urls.append(admin_url(model, "change", obj.pk))
        for url in urls:
            response = admin_client.get(url)
            if response.status_code == 403:  # e.g. assignments have no add page
                continue
            assert response.status_code == 200, url
            checked.append(url)
            if missing := Page(response.content.decode()).dangling():
                dangling[url] = missing

    assert dangling == {}
    assert len(checked) >= 2 * len(our_models())


def test_required_search_select_starts_with_the_empty_choice(admin_client):
    add = page(admin_client, admin_url(ConsultationHour, "add"))
    hour = ConsultationHour.objects.order_by("pk").first()
    change = page(admin_client, admin_url(ConsultationHour, "change", hour.pk))

    assert add.selects["team"] == [["", False, PLEASE_CHOOSE]]
    assert change.selects["team"] == [
        ["", False, PLEASE_CHOOSE],
        [str(hour.team_id), True, str(hour.team)],
    ]


def test_required_search_select_keeps_the_chosen_value(admin_client):
    cooperation = Cooperation.objects.order_by("pk").first()

    options = page(admin_client, admin_url(Cooperation, "change", cooperation.pk)).selects[
        "partner"
    ]

    assert options[0] == ["", False, PLEASE_CHOOSE]
    assert [option for option in options if option[1]] == [
        [str(cooperation.partner_id), True, str(cooperation.partner)]
    ]


def test_optional_search_select_names_its_empty_choice(admin_client):
    body = Body.objects.filter(municipality__isnull=True).order_by("pk").first()
    url = admin_url(Body, "change", body.pk) if body else admin_url(Body, "add")

    response = admin_client.get(url)

    options = Page(response.content.decode()).selects["municipality"]
    assert options[0] == ["", False, PLEASE_CHOOSE]
    assert [option for option in options if option[1]] == []
    assert f'data-placeholder="{PLEASE_CHOOSE}"' in response.content.decode()


def test_search_select_without_choice_fails_with_a_message_and_changes_nothing(admin_client):
    hours = ConsultationHour.objects.count()

    response = admin_client.post(admin_url(ConsultationHour, "add"), {"team": ""})

    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert ConsultationHour.objects.count() == hours


def test_change_list_inputs_point_to_no_missing_help_text(admin_client):
    parsed = page(admin_client, admin_url(Municipality, "changelist"))

    describedby = [ref for element, ref in parsed.references if element.startswith("form-")]
    assert not [ref for ref in describedby if ref.endswith("_helptext")]
    assert parsed.dangling() == []


def test_change_list_errors_are_linked_to_their_inputs(admin_client):
    url = admin_url(Municipality, "changelist")
    formset = admin_client.get(url).context["cl"].formset
    data = {f"form-{key}": value for key, value in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = form.instance.pk
        data[f"form-{index}-population"] = "-5" if index == 0 else form.instance.population
        data[f"form-{index}-population_date"] = form.initial["population_date"] or ""
    data["_save"] = "Sichern"

    response = admin_client.post(url, data)

    parsed = Page(response.content.decode())
    assert response.status_code == 200
    assert ("form-0-population", "id_form-0-population_error") in parsed.references
    assert parsed.dangling() == []


def test_tabular_inline_keeps_its_help_text_in_the_column_header(admin_client):
    partner = Partner.objects.order_by("pk").first()

    content = admin_client.get(admin_url(Partner, "change", partner.pk)).content.decode()

    parsed = Page(content)
    assert parsed.dangling() == []
    assert re.search(r'<img [^>]*class="help help-tooltip"[^>]*alt="\([^"]+\)"', content)
