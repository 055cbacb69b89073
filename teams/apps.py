from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Team work")

    def ready(self):
        from sozialraum import reassignment
        from teams.reassignment import TeamWork

        reassignment.register(TeamWork())
