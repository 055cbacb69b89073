from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Team work")

    def ready(self):
        from sozialraum import reassignment
        from teams.reassignment import TeamWork

        reassignment.register(TeamWork())

        from teams.home import register_panels

        register_panels()

        from sozialraum import handover
        from teams.handover import SeriesHandover

        handover.register(SeriesHandover())

        from teams.reminders import register_reminders

        register_reminders()
