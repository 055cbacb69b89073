from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KooperationConfig(AppConfig):
    name = "kooperation"
    verbose_name = _("Cooperation")
