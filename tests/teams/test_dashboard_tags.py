"""The dashboard's tables written in Python: what ``{{ cell }}`` in a template would show,
escaped and localised."""

from django.test import override_settings
from django.utils.translation import override

from teams.dashboard import Table
from teams.templatetags.dashboard_tags import figure_section, figure_table


def test_a_table_escapes_every_text():
    table = Table("x", "Tom & <Jerry>", ["<Kind>", "n"], rows=[['<img src="x">', 3]])

    html = figure_table(table)

    assert '<caption class="visually-hidden">Tom &amp; &lt;Jerry&gt;</caption>' in html
    assert '<th scope="col">&lt;Kind&gt;</th><th scope="col" class="numeric">n</th>' in html
    assert '<th scope="row" class="fw-normal">&lt;img src=&quot;x&quot;&gt;</th>' in html
    assert "<img" not in html


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_numbers_are_localised_as_a_template_would():
    table = Table("x", "T", ["A", "n", "rate"], rows=[["a", 12345, 0.5]])

    with override("de"):
        html = figure_table(table)

    assert '<td class="numeric">12.345</td><td class="numeric">0,5</td>' in html


def test_numbers_without_digit_grouping_stay_plain():
    table = Table("x", "T", ["A", "n", "rate"], rows=[["a", 12345, "–"]])

    with override("de"):
        html = figure_table(table)

    assert '<td class="numeric">12345</td><td class="numeric">–</td>' in html


def test_a_section_links_its_exports_with_the_query_escaped():
    table = Table("contacts", "Kontakte", ["Gruppe", "Kontakte"], rows=[["Kinder", 2]], chart="bar")

    with override("de"):
        html = figure_section(table, 'period=year&scope="x"')

    assert (
        '<a href="?period=year&amp;scope=&quot;x&quot;&amp;export=contacts&amp;format=xlsx">'
        'Excel<span class="visually-hidden"> Kontakte</span></a>'
    ) in html
    assert '<h2 class="h4" id="table-contacts">Kontakte</h2>' in html
    assert '<canvas data-chart="chart-data-contacts" role="img"' in html
    assert '"labels": ["Kinder"]' in html
