"""WSGI entry point: gunicorn sozialraum.wsgi."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sozialraum.settings")

application = get_wsgi_application()
