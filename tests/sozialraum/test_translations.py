from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "de" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(CATALOGUE / "django.po"))


def entries(catalogue):
    def key(entry):
        return (entry.msgctxt, entry.msgid)

    def value(entry):
        return tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr

    return {key(e): value(e) for e in catalogue if e.msgid and not e.obsolete}


def test_catalogue_has_no_empty_entries(po):
    assert [e.msgid for e in po.untranslated_entries()] == []


def test_catalogue_has_no_fuzzy_entries(po):
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source(po):
    mo = polib.mofile(str(CATALOGUE / "django.mo"))

    assert entries(mo) == entries(po)


def test_catalogue_keeps_every_placeholder(po):
    def placeholders(text):
        import re

        return sorted(re.findall(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}", text))

    broken = [
        e.msgid
        for e in po.translated_entries()
        if not e.msgid_plural and placeholders(e.msgid) != placeholders(e.msgstr)
    ]
    assert broken == []
