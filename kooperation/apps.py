from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KooperationConfig(AppConfig):
    name = "kooperation"
    verbose_name = _("Cooperation")

    def ready(self):
        from kooperation.handover import CooperationHandover
        from sozialraum import handover

        handover.register(CooperationHandover())

        from kooperation.home import register_panels

        register_panels()
