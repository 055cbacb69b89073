"""Template tags of the dashboard.

The dashboard shows five tables of about 150 cells on every view, each with its export links,
its chart data and its labels. Written with one template node per cell and per link they cost
more than the one query behind all the figures (issue 11: the district-year dashboard at 1 M
activities), so a table's section is written here in Python, as the activity list writes its
rows (``teams_tags.activity_rows``). Every value is escaped; the texts are the template's own.
"""

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape, json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

NUMERIC = ' class="numeric"'


def _cell(value) -> str:
    """A value as ``{{ value }}`` shows it: localised, then escaped; no value is a dash."""
    if value is None:
        return "–"
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what ``localize`` gives a whole number without digit grouping
    return conditional_escape(localize(value))


@register.simple_tag
def figure_table(table) -> SafeString:
    """A dashboard table (``teams.dashboard.Table``) as ``<table>``; the first column heads
    its row."""
    headers = "".join(
        f'<th scope="col"{NUMERIC if i else ""}>{_cell(header)}</th>'
        for i, header in enumerate(table.headers)
    )
    rows = "\n".join(
        f'<tr><th scope="row" class="fw-normal">{_cell(row[0])}</th>'
        + "".join(f"<td{NUMERIC}>{_cell(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in table.rows
    )
    return mark_safe(  # every value above is escaped
        '<table class="table table-sm">'
        f'<caption class="visually-hidden">{_cell(table.title)}</caption>'
        f"<thead><tr>{headers}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>"
    )


@register.simple_tag
def figure_section(table, query: str) -> SafeString:
    """The inside of a table's ``<section>``: heading, CSV and Excel links (``query`` is the
    page's query string), the chart with its data and the table."""
    title, key = _cell(table.title), conditional_escape(table.key)
    link = (
        '<a href="?{query}&amp;export={key}&amp;format={format}">'
        '{label}<span class="visually-hidden"> {title}</span></a>'
    )
    links = " ·\n".join(
        link.format(query=conditional_escape(query), key=key, format=f, label=label, title=title)
        for f, label in (("csv", _("CSV")), ("xlsx", _("Excel")))
    )
    chart = ""
    if table.chart:
        label = _("Chart: %(title)s; the same numbers are in the table below.") % {"title": title}
        chart = (
            f'<div class="chart-box"><canvas data-chart="chart-data-{key}" role="img" '
            f'aria-label="{label}"></canvas></div>\n'
            + json_script(table.chart_data(), table.chart_id)
        )
    region = _("Table: %(title)s") % {"title": title}
    return mark_safe(  # every value above is escaped
        '<div class="d-flex flex-wrap justify-content-between align-items-baseline gap-2">'
        f'<h2 class="h4" id="table-{key}">{title}</h2>'
        f'<span class="small">{links}</span></div>\n{chart}\n'
        f'<div class="table-responsive" tabindex="0" role="region" aria-label="{region}">'
        f"{figure_table(table)}</div>"
    )
