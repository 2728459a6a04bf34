"""The coverage figures as a spreadsheet (the same rows and totals as the page)."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .selectors import Coverage, CoverageRow


def columns() -> list[tuple[str, str]]:
    """(header, key): a key in the row's figures, or ``rate:<name>`` for a percentage."""
    return [
        (_("Compounds"), "compounds"),
        (_("With a Party branch"), "with_branch"),
        (_("Branch coverage %"), "rate:branch"),
        (_("With an owners' or interim committee in term"), "with_committee"),
        (_("Committee formation %"), "rate:committee"),
        (_("With property service"), "with_property"),
        (_("Property-service coverage %"), "rate:property"),
        (_("Households"), "households"),
        (_("Households in a responsibility zone"), "households_zoned"),
        (_("Zone coverage %"), "rate:zoned"),
        (_("Committees in term"), "committees"),
        (_("Committees with a party member"), "committees_with_party"),
        (_("Committees with a party member %"), "rate:committees_with_party"),
        (_("Average party-member share per committee %"), "rate:party_share"),
        (_("Owners' committee seat holders"), "owners_seat_holders"),
        (_("Also on a branch committee"), "cross_appointed"),
        (_("Cross-appointment %"), "rate:cross"),
        (_("In-service members checked in"), "checked_in"),
        (_("Check-ins lapsed"), "lapsed"),
        (_("Service posts claimed"), "posts_claimed"),
    ]


def cell(row: CoverageRow, key: str):
    if key.startswith("rate:"):
        return row.rates[key[5:]]
    return row.figures[key]


def coverage_xlsx(figures: Coverage, row_label: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Coverage")[:31]
    cols = columns()
    sheet.append([row_label] + [header for header, _key in cols])
    for c in sheet[1]:
        c.font = Font(bold=True)
    for row in [*figures.rows, figures.total]:
        sheet.append([row.name] + [cell(row, key) for _header, key in cols])
    for c in sheet[sheet.max_row]:
        c.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
