"""The annual report as an editable Word document (python-docx) for the Sitzungsvorlage of the
Jugendhilfeausschuss: the same headings, texts and tables as the PDF, from the same published
report, in Word's own styles so the office's template can restyle it."""

import io

from django.utils.translation import gettext as _

from teams.disclosure import PRIMARY, SECONDARY
from teams.report import Report, ReportTable, cover_lines, report_sections

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = report_title(report)
    document.core_properties.language = "de-DE"
    document.core_properties.author = report.office_name
    document.styles["Normal"].font.size = Pt(10)
    _cover(document, report)
    for section in report_sections(report):
        document.add_heading(section.heading, level=1)
        _texts(document, section.text, ["introduction"])
        for paragraph in section.paragraphs:
            document.add_paragraph(str(paragraph))
        for table in section.tables:
            add_table(document, table)
        for heading, lines in section.lists:
            document.add_heading(str(heading), level=2)
            document.add_paragraph(", ".join(str(line) for line in lines) or "–")
        _texts(document, section.text, ["examples", "challenges", "outlook"])
    document.add_heading(_("Notes"), level=1)
    for note in report_notes():
        document.add_paragraph(str(note))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_title(report: Report) -> str:
    return _("Bericht zum Stand der sozialräumlichen Arbeit in den Städten und Gemeinden")


def report_notes() -> list[str]:
    return [
        _(
            "Counts of persons (contacts, Einzelfallhilfen initiated) of 1 or 2 are shown as "
            "“%(small)s”. So that no such count can be worked out from a total, further cells "
            "of the same table are hidden as “%(hidden)s”. Counts of activities, meetings, "
            "dates and institutions are not personal data and are shown as they are."
        )
        % {"small": PRIMARY, "hidden": SECONDARY},
        _("Rows in which every figure is 0 are left out; the text below a table names them."),
    ]


def _cover(document, report: Report) -> None:
    document.add_paragraph(f"{report.office_name} · {report.district_name}")
    document.add_heading(report_title(report), level=0)
    document.add_paragraph(f"{report.scope.label} · {report.year}")
    for line in cover_lines(report):
        document.add_paragraph(str(line))


def _texts(document, text, names) -> None:
    if text is None:
        return
    for name in names:
        value = getattr(text, name).strip()
        if value:
            document.add_heading(str(text._meta.get_field(name).verbose_name).capitalize(), level=3)
            for paragraph in value.splitlines():
                if paragraph.strip():
                    document.add_paragraph(paragraph.strip())


def add_table(document, table: ReportTable) -> None:
    """A report table as a Word table with a repeated header row; subtotal and total rows in
    bold; the rows left out named below it."""
    document.add_paragraph(str(table.title), style="Caption")
    if table.rows:
        word = document.add_table(rows=1, cols=len(table.headers))
        word.style = "Table Grid"
        for cell, header in zip(word.rows[0].cells, table.headers, strict=True):
            cell.text = str(header)
            cell.paragraphs[0].runs[0].bold = True
        _repeat_header(word.rows[0])
        for row, kind in table.lines:
            cells = word.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)
                if kind:
                    cell.paragraphs[0].runs[0].bold = True
    if table.collapsed:
        document.add_paragraph(
            _("No figures (every figure 0) for: %(rows)s") % {"rows": ", ".join(table.collapsed)}
        )


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
