"""Delete finished background jobs and their files once, as the worker does every ten minutes."""

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management.base import BaseCommand

from sozialraum.jobs.tasks import delete_expired


class Command(BaseCommand):
    help = (
        "Delete finished background jobs with their result files after DJANGO_JOB_RESULT_HOURS "
        "(or --hours), and the queue's finished entries."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=None, help="age in hours (default: the setting)"
        )

    def handle(self, *args, hours: int | None, **options):
        hours = settings.JOB_RESULT_HOURS if hours is None else hours
        deleted = async_to_sync(delete_expired)(hours)
        self.stdout.write(f"Deleted {deleted} finished jobs older than {hours} hours.")
