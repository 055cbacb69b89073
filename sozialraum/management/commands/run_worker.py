"""``python manage.py run_worker``: the background-job worker (procrastinate), beside the web
server. It runs until stopped (SIGINT/SIGTERM), finishing the jobs it is running first."""

from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

from sozialraum.jobs.tasks import retry_stalled

# A worker that sent no heartbeat for this long is gone (procrastinate's own default).
STALLED_WORKER_SECONDS = 30


async def recover() -> int:
    """Queue again what workers that died were running, at once rather than at the next
    periodic check: a restarted worker picks its interrupted jobs up."""
    await app.job_manager.prune_stalled_workers(STALLED_WORKER_SECONDS)
    return await retry_stalled()


class Command(BaseCommand):
    help = (
        "Run the background-job worker: exports, reminders and clean-up. Stop it with "
        "Ctrl+C or SIGTERM; it finishes its running jobs first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, default=2, help="jobs run side by side (default 2)"
        )

    def handle(self, *args, concurrency: int, **options):
        async_to_sync(recover)()
        call_command("procrastinate", "worker", "--concurrency", str(concurrency))
