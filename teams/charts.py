"""Bar charts drawn on the server as SVG, for the annual report's page and PDF (WeasyPrint draws
inline SVG; no script, no request). This year is a dark solid bar, the previous year a light
hatched one, so the chart reads in greyscale too; every bar carries its number as text, and the
table beside the chart holds the same figures."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LABEL_WIDTH = 190
BAR_AREA = 300
VALUE_WIDTH = 40
BAR_HEIGHT = 9
ROW_GAP = 8


def comparison_bars(
    key: str, title: str, rows, current_label: str, previous_label: str
) -> SafeString:
    """Horizontal bars of ``rows`` [(label, current, previous)], two per label; ``key`` makes
    the hatch pattern's id unique on the page."""
    hatch = f"hatch-{key}"
    rows = [row for row in rows if row[1] or row[2]]
    largest = max([max(row[1], row[2]) for row in rows] + [1])
    row_height = 2 * BAR_HEIGHT + ROW_GAP
    legend = 22
    height = legend + len(rows) * row_height + 4
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<defs><pattern id="{hatch}" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="4" height="4" fill="#d9d9d9"/>'
        '<line x1="0" y1="0" x2="0" y2="4" stroke="#595959" stroke-width="1.5"/></pattern></defs>',
        _legend(current_label, previous_label, hatch),
    ]
    for index, (label, current, previous) in enumerate(rows):
        top = legend + index * row_height
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{top + BAR_HEIGHT + 3}" text-anchor="end" '
            f'font-size="9">{escape(label)}</text>'
        )
        for offset, value, fill in [
            (0, current, "#1f3b5a"),
            (BAR_HEIGHT, previous, f"url(#{hatch})"),
        ]:
            length = round(BAR_AREA * value / largest, 1)
            y = top + offset
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT - 1}" '
                f'fill="{fill}" stroke="#1f3b5a" stroke-width="0.5"/>'
                f'<text x="{LABEL_WIDTH + length + 3}" y="{y + BAR_HEIGHT - 2}" '
                f'font-size="8">{value}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _legend(current_label, previous_label, hatch) -> str:
    x = LABEL_WIDTH
    return (
        f'<rect x="{x}" y="4" width="12" height="9" fill="#1f3b5a"/>'
        f'<text x="{x + 16}" y="12" font-size="9">{escape(current_label)}</text>'
        f'<rect x="{x + 80}" y="4" width="12" height="9" fill="url(#{hatch})" stroke="#1f3b5a" '
        'stroke-width="0.5"/>'
        f'<text x="{x + 96}" y="12" font-size="9">{escape(previous_label)}</text>'
    )
