from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_triggers(using, **kwargs):
    """After ``migrate``, install every registered trigger (pgtrigger's install-on-migrate),
    but only when the database is at the current code, i.e. every migration is applied.

    The triggers of Django's own many-to-many tables (the roles' user↔group link, the links of
    activities) have no migrations of their own and come this way. A database migrated
    backwards (``migrate teams zero``) keeps exactly what its migrations left: installing the
    current triggers there would hit missing tables or write into missing event tables.
    """
    import pgtrigger
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    if set(loader.graph.nodes) - set(loader.applied_migrations):
        return
    pgtrigger.install(database=using)


class SozialraumConfig(AppConfig):
    name = "sozialraum"
    verbose_name = _("Social-space structure")

    def ready(self):
        from sozialraum.admin_texts import install as install_admin_texts
        from sozialraum.forms import install_plain_choice_queries, install_text_check

        install_text_check()
        install_plain_choice_queries()
        install_admin_texts()
        from sozialraum.structure_cache import connect_signals

        connect_signals()
        # Instead of pgtrigger's own handler (PGTRIGGER_INSTALL_ON_MIGRATE is off).
        post_migrate.connect(install_triggers, sender=self)
        # The sign-in signal that notes a session's missing second factor.
        import sozialraum.accounts.two_factor  # noqa: F401
