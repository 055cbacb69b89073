"""Measure the dashboard and the activity list server-side (``make bench``)."""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sozialraum.models import User
from teams.models import Activity

PAGES = [
    ("dashboard, district, one year", "teams:dashboard", {"period": "year"}, 300),
    ("activity list, first page", "teams:activity_list", {}, 100),
]


class Command(BaseCommand):
    help = "Median server-side time and query count of the dashboard and the activity list."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=7)
        parser.add_argument("--user", default="amtsleitung")

    def handle(self, *args, requests: int, user: str, **options):
        client = Client()
        client.force_login(User.objects.get(username=user))
        total = Activity.objects.count()
        self.stdout.write(
            f"{total:,} activities in the database; {requests} requests per page, as {user}."
        )
        failed = False
        for label, name, params, budget in PAGES:
            url = reverse(name)
            client.get(url, params)  # warm caches and connection
            timings, queries = [], 0
            for _ in range(requests):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url, params)
                    timings.append((time.perf_counter() - start) * 1000)
                queries = len(captured)
                assert response.status_code == 200, response.status_code
            median = statistics.median(timings)
            verdict = "ok" if median < budget else "TOO SLOW"
            failed |= median >= budget
            self.stdout.write(
                f"{label:<32} median {median:7.1f} ms (budget {budget} ms, {verdict}); "
                f"min {min(timings):.1f} ms, max {max(timings):.1f} ms; {queries} queries"
            )
        if failed:
            self.stderr.write("At least one page is over its budget.")
