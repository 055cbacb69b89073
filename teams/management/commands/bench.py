"""Measure the pages that matter at scale against a real gunicorn on loopback (``make bench``).

One run prints p50 and p95 at 1 and 4 concurrent clients for every page in ``pages()``, the
ratios to the floor (an authenticated one-query view) and to the stock Django admin changelist,
the time to the first and the last byte of the district-year exports, and a verdict per goal of
issue 11. The pages are measured interleaved (round after round, A, B, A, B …) because the
machine is shared and absolute times wander; ratios taken in one run are what is compared.
Results are kept in ``var/bench/`` so that a run at another size shows the growth.
"""

import datetime
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse

from sozialraum.models import MiddleArea, User
from sozialraum.pgtools import analyze
from teams.models import Activity, ActivitySummary

HOST = "127.0.0.1"


@dataclass
class Page:
    key: str
    label: str
    path: str
    user: str
    timings: dict = field(default_factory=lambda: {1: [], 4: []})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the repository's configuration, and the background worker beside it."""

    def __init__(self, port: int):
        self.port = port
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_BENCH": "true",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},testserver,localhost",
        }
        base = Path(settings.BASE_DIR)
        gunicorn = [str(Path(sys.executable).with_name("gunicorn"))]
        config = base / "gunicorn.conf.py"
        options = ["-c", str(config)] if config.exists() else ["--workers", "2", "--threads", "4"]
        self.processes.append(
            subprocess.Popen(  # noqa: S603 - fixed arguments
                [*gunicorn, *options, "--bind", f"{HOST}:{self.port}", "sozialraum.wsgi"],
                cwd=base,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(base / "var" / "bench" / "gunicorn.log", "w"),  # noqa: SIM115
            )
        )
        if "run_worker" in _commands():
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "run_worker"],
                    cwd=base,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(base / "var" / "bench" / "worker.log", "w"),  # noqa: SIM115
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn did not start; see var/bench/gunicorn.log")

    def worker_rss_kib(self) -> int:
        """The largest resident set of gunicorn's worker processes."""
        master = self.processes[0].pid
        largest = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(master):
                largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]))
        return largest

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


def session_cookie(username: str) -> str:
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Client:
    """One keep-alive connection with a user's session."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection(HOST, port, timeout=600)

    def get(self, path: str) -> tuple[int, float, float, bytes]:
        """Status, seconds to the first byte, seconds to the last byte, body."""
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"Cookie": self.cookie})
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
            self.connection.request("GET", path, headers={"Cookie": self.cookie})
            response = self.connection.getresponse()
        first = time.perf_counter() - start
        body = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        return response.status, first, time.perf_counter() - start, body


class Command(BaseCommand):
    help = "p50/p95 of the pages that matter at scale, against gunicorn on loopback."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=6)
        parser.add_argument("--batch", type=int, default=3, help="requests per client and round")
        parser.add_argument("--skip-exports", action="store_true")

    def handle(self, *args, rounds: int, batch: int, skip_exports: bool, **options):
        (Path(settings.BASE_DIR) / "var" / "bench").mkdir(parents=True, exist_ok=True)
        analyze()
        total = Activity.objects.count()
        year = self.busiest_year()
        pages = self.pages(year)
        server = Server(free_port())
        server.start()
        try:
            cookies = {page.user: None for page in pages} | {"amtsleitung": None}
            cookies = {user: session_cookie(user) for user in cookies}
            self.measure(server.port, pages, cookies, rounds, batch)
            exports = {} if skip_exports else self.exports(server, cookies, year)
        finally:
            server.stop()
        self.report(total, year, pages, exports)

    # --- what is measured ------------------------------------------------------------------
    def busiest_year(self) -> int:
        row = (
            ActivitySummary.objects.values("date__year")
            .annotate(n=Sum("activities"))
            .order_by("-n")
            .first()
        )
        return row["date__year"] if row else datetime.date.today().year

    def pages(self, year: int) -> list[Page]:
        largest = (
            Activity.objects.filter(date__year=year)
            .annotate(month=TruncMonth("date"))
            .values("team", "month")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        team, month = largest["team"], largest["month"]
        area = MiddleArea.objects.order_by("pk").first()
        period = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
        filtered = {"kind": "consultation", "team": team, **period}
        stock = {"kind__exact": "consultation", "team__id__exact": team, "date__year": year}
        dashboard = {"period": "year", "day": f"{year}-06-30"}
        review = reverse("teams:review_detail", args=[team, month.year, month.month])
        return [
            Page("floor", "floor: authenticated one-query view", "/bench/floor/", "amtsleitung"),
            Page(
                "stock",
                "stock admin changelist, filtered",
                "/bench/admin/teams/activity/?" + urlencode(stock),
                "admin",
            ),
            Page("list", "activity list, default", reverse("teams:activity_list"), "amtsleitung"),
            Page(
                "list_filtered",
                "activity list, filtered like the stock one",
                reverse("teams:activity_list") + "?" + urlencode(filtered),
                "amtsleitung",
            ),
            Page(
                "dashboard",
                "dashboard, district, one year",
                reverse("teams:dashboard") + "?" + urlencode(dashboard),
                "amtsleitung",
            ),
            Page(
                "dashboard_area",
                "dashboard, Mittelbereich, one year",
                reverse("teams:dashboard")
                + "?"
                + urlencode({**dashboard, "scope": f"middle_area-{area.pk}"}),
                "amtsleitung",
            ),
            Page("review", f"month review, largest ({largest['n']} rows)", review, "admin"),
            Page(
                "comparison",
                "comparison, 3 Mittelbereiche, one year",
                reverse("teams:comparison")
                + "?"
                + urlencode({"kind": "middle_area", "year": year}),
                "amtsleitung",
            ),
            Page(
                "comparison_municipalities",
                "comparison, 31 municipalities with map, one year",
                reverse("teams:comparison")
                + "?"
                + urlencode({"kind": "municipality", "year": year}),
                "amtsleitung",
            ),
            Page(
                "report",
                "annual report, district, HTML",
                reverse("teams:annual_report") + f"?year={year}",
                "amtsleitung",
            ),
            Page(
                "report_pdf",
                "annual report, district, PDF",
                reverse("teams:annual_report_pdf") + f"?year={year}",
                "amtsleitung",
            ),
        ]

    def measure(self, port, pages, cookies, rounds, batch) -> None:
        # Warm up and check every page answers: through four connections at once, so that every
        # worker has served every page before it is measured (one connection stays with one
        # worker; a page's first request in a worker fills its caches).
        for page in pages:
            answers = []
            warm = [Client(port, cookies[page.user]) for _ in range(4)]
            threads = [
                threading.Thread(
                    target=lambda c=client, a=answers, path=page.path: a.append(c.get(path))
                )
                for client in warm
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for status, _first, _last, body in answers:
                if status != 200:
                    raise CommandError(f"{page.path} answered {status}: {body[:300]!r}")
        for concurrency in (1, 4):
            clients = {
                page.key: [Client(port, cookies[page.user]) for _ in range(concurrency)]
                for page in pages
            }
            for _round in range(rounds):
                for page in pages:
                    self.burst(page, clients[page.key], batch, concurrency)
            self.stdout.write(f"  measured at {concurrency} concurrent client(s)")

    @staticmethod
    def burst(page: Page, clients: list[Client], batch: int, concurrency: int) -> None:
        def work(client):
            for _ in range(batch):
                status, _first, last, _body = client.get(page.path)
                if status == 200:
                    page.timings[concurrency].append(last * 1000)

        threads = [threading.Thread(target=work, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def exports(self, server: Server, cookies, year: int) -> dict:
        period = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
        client = Client(server.port, cookies["amtsleitung"])
        results = {}
        rss_before = server.worker_rss_kib()
        csv_path = reverse("teams:activity_export") + "?" + urlencode(period)
        status, first, last, body = client.get(csv_path)
        results["csv"] = {
            "status": status,
            "first": first,
            "last": last,
            "rows": max(body.count(b"\n") - 1, 0),
            "expected": Activity.objects.filter(date__year=year).count(),
            "rss_before": rss_before,
            "rss_after": server.worker_rss_kib(),
        }
        team = self.largest_team(year)
        xlsx = reverse("teams:activity_export_xlsx")
        status, first, last, body = client.get(xlsx + "?" + urlencode({**period, "team": team}))
        results["xlsx_team"] = {
            "status": status,
            "last": last,
            "rows": Activity.objects.filter(date__year=year, team=team).count(),
            "bytes": len(body),
        }
        results["xlsx_district"] = self.xlsx_job(client, xlsx + "?" + urlencode(period))
        return results

    @staticmethod
    def largest_team(year: int) -> int:
        return (
            Activity.objects.filter(date__year=year)
            .values("team")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()["team"]
        )

    def xlsx_job(self, client: Client, path: str) -> dict:
        """The district-year XLSX: started as a background job; seconds until it is done."""
        from sozialraum.jobs.models import Job

        user = User.objects.get(username="amtsleitung")
        before = set(Job.objects.filter(user=user).values_list("pk", flat=True))
        start = time.perf_counter()
        status, _first, _last, _body = client.get(path)
        if status == 200:
            return {"status": "answered directly", "last": time.perf_counter() - start}
        job = None
        progress_seen = set()
        while time.perf_counter() - start < 600:
            job = (
                Job.objects.filter(user=user).exclude(pk__in=before).order_by("-created_at").first()
            )
            if job is not None:
                progress_seen.add(getattr(job, "progress_done", None))
                if job.state in ("done", "failed"):
                    break
            time.sleep(0.25)
        return {
            "status": job.state if job else "no job",
            "last": time.perf_counter() - start,
            "progress_steps": len(progress_seen - {None, 0}),
        }

    # --- the table -------------------------------------------------------------------------
    def report(self, total: int, year: int, pages: list[Page], exports: dict) -> None:
        figures = {
            page.key: {
                c: (statistics.median(page.timings[c]), percentile(page.timings[c], 0.95))
                for c in (1, 4)
                if page.timings[c]
            }
            for page in pages
        }
        floor_p50 = figures["floor"][1][0]
        stock_p95 = figures["stock"][1][1]
        out = self.stdout.write
        out(f"\n{total:,} activities; busiest year {year}; gunicorn on loopback\n")
        out("| page | p50 1× | p95 1× | p50 4× | p95 4× | p50 / floor | p95 / stock |")
        out("|---|---:|---:|---:|---:|---:|---:|")
        for page in pages:
            (p50, p95), (p50c, p95c) = figures[page.key][1], figures[page.key][4]
            out(
                f"| {page.label} | {p50:.1f} ms | {p95:.1f} ms | {p50c:.1f} ms | {p95c:.1f} ms "
                f"| {p50 / floor_p50:.1f}× | {p95 / stock_p95:.2f} |"
            )
        goals = self.goals(total, figures, exports)
        out("\n| goal | measured | met |\n|---|---|---|")
        for label, measured, met in goals:
            out(f"| {label} | {measured} | {'yes' if met else '**no**'} |")
        self.keep(total, figures, exports)

    def goals(self, total, figures, exports) -> list[tuple[str, str, bool]]:
        floor_p50, stock_p95 = figures["floor"][1][0], figures["stock"][1][1]
        ratio_floor = figures["list"][1][0] / floor_p50
        ratio_stock = figures["list_filtered"][1][1] / stock_p95
        dash = figures["dashboard"][4][1]
        goals = [
            ("activity list p50 / floor p50 ≤ 4×", f"{ratio_floor:.1f}×", ratio_floor <= 4),
            (
                "activity list p95 / stock changelist p95 (same filter) ≤ 1/10",
                f"{ratio_stock:.3f}",
                ratio_stock <= 0.1,
            ),
            ("dashboard district year p95 at 4 concurrent ≤ 100 ms", f"{dash:.1f} ms", dash <= 100),
        ]
        other = self.previous(total)
        if other:
            small, large = sorted([(total, dash), (other["total"], other["dashboard_p95_4"])])
            growth = large[1] / small[1]
            goals.append(
                (
                    f"dashboard growth {small[0]:,} → {large[0]:,} ≤ 1.2×",
                    f"{growth:.2f}×",
                    growth <= 1.2,
                )
            )
        review = figures["review"][1][1]
        goals.append(
            ("month review, largest team-month ≤ 150 ms", f"{review:.1f} ms", review <= 150)
        )
        pdf = figures["report_pdf"][1][1]
        goals.append(("annual report PDF, district ≤ 3 s", f"{pdf / 1000:.2f} s", pdf <= 3000))
        if "csv" in exports:
            csv_ = exports["csv"]
            complete = csv_["rows"] == csv_["expected"] and csv_["status"] == 200
            goals.append(
                (
                    f"CSV district year ({csv_['expected']:,} rows) ≤ 3 s to the last byte",
                    f"{csv_['last']:.2f} s, {csv_['rows']:,} rows"
                    + ("" if complete else " (INCOMPLETE)"),
                    csv_["last"] <= 3 and complete,
                )
            )
            goals.append(("CSV first byte ≤ 1 s", f"{csv_['first']:.2f} s", csv_["first"] <= 1))
            grew = csv_["rss_after"] - csv_["rss_before"]
            goals.append(
                (
                    "gunicorn worker memory flat during the CSV",
                    f"{csv_['rss_before'] / 1024:.0f} → {csv_['rss_after'] / 1024:.0f} MiB",
                    grew < 50 * 1024,
                )
            )
            team = exports["xlsx_team"]
            goals.append(
                (
                    f"XLSX team year ({team['rows']:,} rows) ≤ 5 s interactively",
                    f"{team['last']:.2f} s (status {team['status']})",
                    team["last"] <= 5 and team["status"] == 200,
                )
            )
            job = exports["xlsx_district"]
            seconds = job.get("last", float("inf"))
            goals.append(
                (
                    "XLSX district year as a background job ≤ 60 s, with progress",
                    f"{job['status']}, {seconds:.1f} s, {job.get('progress_steps', 0)} progress"
                    " steps seen",
                    job["status"] == "done" and seconds <= 60 and job.get("progress_steps", 0) > 0,
                )
            )
        return goals

    @staticmethod
    def _store(total: int) -> Path:
        return Path(settings.BASE_DIR) / "var" / "bench" / f"result-{total}.json"

    def keep(self, total, figures, exports) -> None:
        data = {"total": total, "dashboard_p95_4": figures["dashboard"][4][1]}
        self._store(total).write_text(json.dumps(data))

    def previous(self, total: int) -> dict | None:
        """The result of a run at a size at least five times smaller or larger."""
        folder = Path(settings.BASE_DIR) / "var" / "bench"
        for path in sorted(folder.glob("result-*.json")):
            data = json.loads(path.read_text())
            if data["total"] * 5 <= total or data["total"] >= total * 5:
                return data
        return None
