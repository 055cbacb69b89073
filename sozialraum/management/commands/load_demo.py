import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sozialraum.demo import DEMO_PASSWORD, DemoDataError, app_demo_loaders, demo_load


class Command(BaseCommand):
    help = (
        "Create the demo users (password 'sozialraum-demo'). Idempotent. Refuses to run with "
        "DEBUG off unless given --force, because the demo password is public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not in production)"
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo users with a published password do not belong in "
                "production. Run with DJANGO_DEBUG=true, or pass --force if you are sure."
            )
        try:
            with pghistory.context(command="load_demo"):
                users = demo_load()
                for app, loader in app_demo_loaders():
                    loader()
                    self.stdout.write(f"Demo data of {app} loaded.")
        except DemoDataError as error:
            raise CommandError(
                f"The district is not loaded (missing: {error}). "
                "Run 'manage.py load_district' first."
            ) from error
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD}):"))
        for demo in users:
            self.stdout.write(f"  {demo.username:<16} {demo.description}")
