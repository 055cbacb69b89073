"""Text helpers for German names."""

from django.db.models import CharField, Func, Value
from django.db.models.functions import Lower, Replace

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
