"""Disclosure control for what leaves the office (the annual report's page, PDF and DOCX).

Counts of *persons* (contacts, initiated Einzelfallhilfen) of 1 or 2 are hidden as "< 3"
(primary suppression). A hidden cell must not be recomputable from the published sums: a sum
(a row total, a column total, a Mittelbereich's subtotal, the grand total) with exactly one
hidden cell among itself and its parts gives that cell away. So, for every such sum, one more
cell is hidden (secondary suppression, shown as "x"): the smallest part above 0 that is still
shown, else any shown part, else the sum itself — which then takes part in the sums above it.
This repeats until every sum has no hidden cell or at least two, so no chain of subtractions
recovers a hidden value.

Counts of institutions, meetings and dates are not personal data and are shown as they are.
"""

from collections.abc import Hashable, Iterable

PRIMARY = "< 3"
SECONDARY = "x"


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 3


Sum = tuple[Hashable, list[Hashable]]  # (the total's cell, its parts' cells)


def suppressed(values: dict[Hashable, int], sums: Iterable[Sum]) -> dict[Hashable, str]:
    """The hidden cells of a table of person counts: {cell: PRIMARY or SECONDARY}.

    ``values`` holds every cell, totals included; ``sums`` says which cells add up to which."""
    sums = list(sums)
    hidden = {cell: PRIMARY for cell, value in values.items() if is_small(value)}
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            cells = [total, *parts]
            if sum(cell in hidden for cell in cells) != 1:
                continue
            hidden[_complement(values, hidden, total, parts)] = SECONDARY
            changed = True
    return hidden


def _complement(values, hidden, total, parts):
    """The cell to hide beside the one hidden cell of a sum: the smallest shown part above 0
    (a hidden 0 would tell that the other hidden cell is the whole difference), else any
    shown part, else the total."""
    shown = [cell for cell in parts if cell not in hidden]
    if not shown:
        return total
    return min(shown, key=lambda cell: (values[cell] == 0, values[cell]))


def published(value, mark: str | None):
    """A cell as it leaves the office: its mark when hidden, else the count."""
    return mark if mark else value


def change(current, previous):
    """The change from the previous year, or "x" if either figure is hidden: a change beside
    one shown figure would give the hidden one away."""
    if isinstance(current, str) or isinstance(previous, str):
        return SECONDARY
    return current - previous
