"""Import buildings and households of one compound from CSV or Excel.

Every row is checked before anything is written; errors name the row (as the spreadsheet numbers
it, header = row 1) and the column. Nothing is written unless the whole file is valid, and
re-importing the same file changes nothing (rows equal to what is stored are left alone).
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Building, Compound, Household, HouseholdImport
from .permissions import can_manage_compound

# Column → accepted header spellings (Chinese and English, case-insensitive).
COLUMNS = {
    "building": ("building", "楼栋", "楼号", "楼栋名称"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "房间", "门牌号"),
    "exclusive_area": ("exclusive_area", "area", "专有面积", "面积", "建筑面积"),
}
REQUIRED = ("building", "room", "exclusive_area")
COLUMN_LABELS = {
    "building": gettext_lazy("building"),
    "unit": gettext_lazy("unit"),
    "room": gettext_lazy("room"),
    "exclusive_area": gettext_lazy("exclusive area (m²)"),
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header, size)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    buildings_created: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    record: HouseholdImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.buildings_created or self.households_created or self.households_updated)


def _read_rows(name: str, data: bytes) -> list[list[str]]:
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from exc
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if lower.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _map_header(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for column, names in COLUMNS.items():
            if key in names and column not in positions:
                positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. The first row must name the columns, e.g. %(example)s.")
            % {
                "columns": ", ".join(str(COLUMN_LABELS[c]) for c in missing),
                "example": "building, unit, room, exclusive_area / 楼栋, 单元, 房号, 专有面积",
            }
        )
    return positions


def _normalise_area(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    try:
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:
        # Too many digits to hold to the cent (e.g. 1e400): out of range, and reported as such.
        return value


def validate(name: str, data: bytes) -> tuple[list[dict], list[RowError]]:
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)s MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20})
    rows = _read_rows(name, data)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    positions = _map_header(rows[0])
    if len(rows) - 1 > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(_("At most %(n)s rows per file.") % {"n": settings.IMPORT_MAX_ROWS})
    clean: list[dict] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue

        def cell(column, row=row):
            index = positions.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        values = {c: cell(c) for c in COLUMNS}
        row_errors = []
        for column, limit in (("building", 50), ("unit", 20), ("room", 20)):
            if column in REQUIRED and not values[column]:
                row_errors.append(RowError(number, column, _("This cell is empty.")))
            elif len(values[column]) > limit:
                row_errors.append(RowError(number, column, _("At most %(n)s characters.") % {"n": limit}))
        area = _normalise_area(values["exclusive_area"])
        if area is None:
            row_errors.append(RowError(number, "exclusive_area", _("Not a number: “%(v)s”.") % {"v": values["exclusive_area"]}))
        elif not (Decimal("0.01") <= area <= Decimal("99999.99")):
            row_errors.append(RowError(number, "exclusive_area", _("Must be between 0.01 and 99999.99 m².")))
        key = (values["building"], values["unit"], values["room"])
        address_ok = not any(e.column in ("building", "unit", "room") for e in row_errors)
        if address_ok:
            # Checked even when the area is wrong, so one upload reports every problem at once.
            if key in seen:
                row_errors.append(
                    RowError(number, "room", _("Same building, unit and room as row %(row)s.") % {"row": seen[key]})
                )
            else:
                seen[key] = number
        errors.extend(row_errors)
        if not row_errors:
            clean.append({"building": key[0], "unit": key[1], "room": key[2], "exclusive_area": area})
    if not clean and not errors:
        raise ImportFileError(_("The file has a header but no rows."))
    return clean, errors


def household_import(*, actor, compound: Compound, name: str, data: bytes) -> ImportResult:
    """Validate the whole file, then write it in one transaction, or write nothing."""
    from django.core.exceptions import PermissionDenied

    if not can_manage_compound(actor, compound):
        raise PermissionDenied
    clean, errors = validate(name, data)
    result = ImportResult(rows=len(clean) + len({e.row for e in errors}), errors=errors)
    if errors:
        return result
    with transaction.atomic():
        buildings = {b.name: b for b in Building.objects.select_for_update().filter(compound=compound)}
        new_buildings = [
            Building(compound=compound, name=n) for n in dict.fromkeys(r["building"] for r in clean) if n not in buildings
        ]
        if new_buildings:
            bulk_create_with_history(new_buildings, Building, default_user=actor)
            # Re-read for ids (SQLite's bulk_create does not return them on every version).
            buildings = {b.name: b for b in Building.objects.filter(compound=compound)}
        result.buildings_created = len(new_buildings)
        existing = {
            (h.building_id, h.unit, h.room): h for h in Household.objects.filter(building__compound=compound)
        }
        to_create, to_update = [], []
        for row in clean:
            building = buildings[row["building"]]
            current = existing.get((building.pk, row["unit"], row["room"]))
            if current is None:
                to_create.append(
                    Household(building=building, unit=row["unit"], room=row["room"], exclusive_area=row["exclusive_area"])
                )
            elif current.exclusive_area != row["exclusive_area"]:
                current.exclusive_area = row["exclusive_area"]
                to_update.append(current)
            else:
                result.households_unchanged += 1
        if to_create:
            bulk_create_with_history(to_create, Household, batch_size=500, default_user=actor)
        if to_update:
            bulk_update_with_history(to_update, Household, ["exclusive_area"], batch_size=500, default_user=actor)
        result.households_created = len(to_create)
        result.households_updated = len(to_update)
        if result.changed:
            result.record = HouseholdImport.objects.create(
                compound=compound,
                file_name=name[:200],
                sha256=hashlib.sha256(data).hexdigest(),
                rows=len(clean),
                buildings_created=result.buildings_created,
                households_created=result.households_created,
                households_updated=result.households_updated,
                imported_by=actor,
            )
    return result
