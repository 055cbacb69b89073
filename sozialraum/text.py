"""Text helpers: German names, and control characters that typed text never holds."""

import re

from django.db.models import CharField, Func, Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext_lazy as _

# Umlauts sort as their base letters (DIN 5007, variant 1): "Ökumenisch" among the O.
_UMLAUTS = "ÄÖÜäöüÀÁÂÈÉÊÌÍÎÒÓÔÙÚÛàáâèéêìíîòóôùúû"
_BASES = "AOUaouAAAEEEIIIOOOUUUaaaeeeiiiooouuu"


class Translate(Func):
    function = "TRANSLATE"
    output_field = CharField()


def GermanSortKey(field: str):  # noqa: N802 - used like an expression class
    """A database expression that sorts German names alphabetically whatever the collation.

    New PostgreSQL databases often use collation "C", which puts "Ä" after "Z".
    """
    return Lower(Replace(Translate(field, Value(_UMLAUTS), Value(_BASES)), Value("ß"), Value("ss")))


def german_sort_key(name: str) -> str:
    """The same key in Python, for sorting lists that are already loaded."""
    return name.translate(str.maketrans(_UMLAUTS, _BASES)).replace("ß", "ss").lower()


# Control characters (C0 and DEL) and the Unicode line and paragraph separators: typed text
# never holds them, and they break exports and calendar feeds. TAB, LF and CR are allowed where
# a text may span lines.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029"
_CONTROL_MULTILINE = re.compile(f"[{_CONTROL}]")
_CONTROL_SINGLE_LINE = re.compile(f"[{_CONTROL}\t\n\r]")
CONTROL_CHARACTERS_MESSAGE = _(
    "This text contains control characters (invisible special characters, e.g. from a copied "
    "text). Please remove them."
)


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL_SINGLE_LINE
    return pattern.search(value) is not None


def strip_control_characters(value: str) -> str:
    """The text without control characters (TAB, LF and CR stay), for output of old data."""
    return _CONTROL_MULTILINE.sub("", value)
