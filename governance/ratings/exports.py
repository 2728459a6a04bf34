"""A campaign's results as a workbook: the ranking, and one row per subject and indicator.

Text that a spreadsheet would run as a formula (= + - @ …) is prefixed with an apostrophe, as the
issue queue's CSV export does (OWASP "CSV injection"). The workbook is written in openpyxl's
write-only mode, so a district's thousands of subjects cost little memory.
"""

from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import engine
from .models import SubjectKind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """Numbers stay numbers; text that would start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _header(sheet, titles):
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=safe(title))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def _rated(subject) -> str:
    if subject.kind == SubjectKind.PROJECT:
        return subject.company.name if subject.company_id else ""
    return _("Owners' committee")


def results_xlsx(campaign, scores) -> bytes:
    book = Workbook(write_only=True)
    results = book.create_sheet(_("Results")[:31])
    _header(results, [
        _("Rank"), _("Subject"), _("Compound"), _("Community"), _("Company / committee"), _("Score as computed"),
        _("Adjustment"), _("Score"), _("Stars"), _("Recommendation"), _("List"),
    ])
    detail = book.create_sheet(_("Breakdown")[:31])
    _header(detail, [
        _("Rank"), _("Compound"), _("Company / committee"), _("Section"), _("Indicator"), _("Source"), _("Value"),
        _("Points"), _("Maximum points"),
    ])
    for rank, score in enumerate(scores.iterator(chunk_size=500), start=1):
        subject = score.subject
        rated = _rated(subject)
        results.append([safe(v) for v in (
            rank, str(subject), subject.compound.name, subject.compound.community.name, rated,
            score.computed, score.adjustment, score.total, score.stars, score.get_recommendation_display(),
            score.get_listing_display() if score.listing else "",
        )])
        breakdown = engine.parse(score.breakdown)
        for section in breakdown.get("sections", []):
            for line in section.get("indicators", []):
                value = _line_value(line)
                detail.append([safe(v) for v in (
                    rank, subject.compound.name, rated, section.get("name_zh"), line.get("name_zh"), line.get("source"),
                    value, Decimal(line.get("points") or "0"), Decimal(line.get("max") or "0"),
                )])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _line_value(line: dict):
    """What the line was scored on: the metric, the survey average, the entry or the cards."""
    source = line.get("source")
    if source == "metric":
        value = line.get("value")
    elif source == "survey":
        value = line.get("average")
    elif source == "card":
        value = line.get("cards")
    else:
        value = line.get("entered")
    if value is None:
        return ""
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return str(value)
