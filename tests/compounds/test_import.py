"""Importing buildings and households: all or nothing, errors by row and column, idempotent."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from compounds import importer
from compounds.models import Building, Household, HouseholdImport

from .. import factories
from .conftest import snapshot

HEADER = ["building", "unit", "room", "exclusive_area"]
BAD_ROW = 1234  # as the spreadsheet numbers it: the header is row 1


def households(n=2000):
    """n distinct households: 20 buildings × 2 units × 50 rooms, areas 60.50–99.50 m²."""
    rows = []
    for i in range(n):
        floor, door = divmod(i % 50, 5)
        rows.append(
            [f"{i // 100 + 1} 号楼", f"{(i % 100) // 50 + 1} 单元", f"{floor + 1}0{door + 1}", f"{60 + i % 40}.50"]
        )
    return rows


def with_bad_area(rows, row_number=BAD_ROW, value="abc"):
    rows = [list(r) for r in rows]
    rows[row_number - 2][3] = value
    return rows


def as_csv(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for building, unit, room, area in rows:
        try:
            area = float(area)  # as Excel stores a typed number
        except ValueError:
            pass
        sheet.append([building, unit, room, area])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def empty_compound(world):
    return factories.CompoundFactory(community=world.a, code="WA9", name="新建小区")


def _state():
    return (
        Building.objects.count(),
        Household.objects.count(),
        HouseholdImport.objects.count(),
        Household.history.count(),
        Building.history.count(),
    )


# --- All or nothing ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_one_bad_row_in_2000_writes_nothing_and_names_the_row_and_column(empty_compound, officer, kind):
    rows = with_bad_area(households())
    data = as_csv(rows) if kind == "csv" else as_xlsx(rows)
    before = _state()

    result = importer.household_import(actor=officer, compound=empty_compound, name=f"households.{kind}", data=data)

    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(BAD_ROW, "exclusive_area")]
    assert "abc" in result.errors[0].message
    assert result.rows == 2000
    assert result.record is None
    assert _state() == before
    assert not HouseholdImport.objects.exists()


def test_the_import_page_lists_the_bad_row_and_writes_nothing(client, empty_compound, officer):
    client.force_login(officer)
    before = snapshot()
    upload = SimpleUploadedFile("households.csv", as_csv(with_bad_area(households())), content_type="text/csv")

    response = client.post(reverse("compounds:compound-import", args=[empty_compound.pk]), {"file": upload})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert f"<td>{BAD_ROW}</td>" in html
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(BAD_ROW, "exclusive_area")]
    assert snapshot() == before


def test_the_corrected_file_imports_in_one_go_and_a_second_import_changes_nothing(empty_compound, officer):
    data = as_csv(households())

    result = importer.household_import(actor=officer, compound=empty_compound, name="households.csv", data=data)

    assert result.ok
    assert (result.buildings_created, result.households_created, result.households_updated) == (20, 2000, 0)
    assert Household.objects.filter(building__compound=empty_compound).count() == 2000
    assert empty_compound.buildings.count() == 20
    record = HouseholdImport.objects.get()
    assert (record.compound, record.rows, record.households_created, record.imported_by) == (
        empty_compound,
        2000,
        2000,
        officer,
    )
    assert len(record.sha256) == 64
    # Every household's creation is in the history, attributed to the officer.
    assert Household.history.filter(history_type="+", history_user=officer).count() >= 2000
    room = Household.objects.get(building__compound=empty_compound, building__name="13 号楼", unit="1 单元", room="101")
    assert room.exclusive_area == Decimal("60.50")

    before = _state()
    again = importer.household_import(actor=officer, compound=empty_compound, name="households.csv", data=data)

    assert again.ok
    assert (again.buildings_created, again.households_created, again.households_updated) == (0, 0, 0)
    assert again.households_unchanged == 2000
    assert again.record is None
    assert _state() == before


def test_an_xlsx_and_the_same_rows_as_csv_are_the_same_import(empty_compound, officer):
    rows = households(300)
    first = importer.household_import(actor=officer, compound=empty_compound, name="h.xlsx", data=as_xlsx(rows))
    assert first.households_created == 300

    before = _state()
    second = importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=as_csv(rows))
    assert (second.households_created, second.households_updated, second.households_unchanged) == (0, 0, 300)
    assert _state() == before


def test_the_import_page_imports_and_then_says_nothing_changed(english, empty_compound, officer):
    client = english
    client.force_login(officer)
    url = reverse("compounds:compound-import", args=[empty_compound.pk])
    data = as_csv(households(200))

    response = client.post(url, {"file": SimpleUploadedFile("h.csv", data)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("compounds:compound-detail", args=[empty_compound.pk])
    assert "200 new households" in response.content.decode()
    assert Household.objects.filter(building__compound=empty_compound).count() == 200

    response = client.post(url, {"file": SimpleUploadedFile("h.csv", data)}, follow=True)
    assert "Nothing to change: all 200 households are already as in the file." in response.content.decode()
    assert HouseholdImport.objects.count() == 1


def test_a_changed_area_updates_the_household_and_leaves_a_history_row(world, officer):
    # A1 has 1 号楼 / 1 单元 / 101 at 88.50 m² (the resident's home).
    data = as_csv([["1 号楼", "1 单元", "101", "90.25"], ["1 号楼", "1 单元", "102", "88.50"]])
    history = world.home.history.count()

    result = importer.household_import(actor=officer, compound=world.a1, name="fix.csv", data=data)

    assert (result.households_created, result.households_updated, result.households_unchanged) == (0, 1, 1)
    world.home.refresh_from_db()
    assert world.home.exclusive_area == Decimal("90.25")
    assert world.home.history.count() == history + 1
    assert HouseholdImport.objects.get().households_updated == 1


# --- Other problems ---------------------------------------------------------------------------


def test_duplicate_rows_within_a_file_are_reported_with_the_first_row(empty_compound, officer):
    rows = households(20)
    rows[7] = list(rows[3])  # row 9 repeats row 5 (header = row 1, rows[0] = row 2)
    rows[12] = list(rows[3])
    rows[12][3] = "abc"  # …and a duplicate with a bad area is reported as both

    result = importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=as_csv(rows))

    assert [(e.row, e.column) for e in result.errors] == [(9, "room"), (14, "exclusive_area"), (14, "room")]
    assert "row 5" in result.errors[0].message
    assert not Household.objects.filter(building__compound=empty_compound).exists()


def test_a_missing_header_column_is_a_file_error(empty_compound, officer):
    data = as_csv([["1 号楼", "101"]], header=["building", "room"])
    with pytest.raises(importer.ImportFileError) as excinfo:
        importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=data)
    assert "exclusive area" in str(excinfo.value)
    assert not Building.objects.filter(compound=empty_compound).exists()


@pytest.mark.parametrize(
    ("row", "column"),
    [(["", "1 单元", "101", "80"], "building"), (["1 号楼", "1 单元", "", "80"], "room"), (["1 号楼", "", "101", ""], "exclusive_area")],
)
def test_an_empty_required_cell_is_reported(empty_compound, officer, row, column):
    data = as_csv([["1 号楼", "1 单元", "102", "80"], row])
    result = importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=data)
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert not Building.objects.filter(compound=empty_compound).exists()


@pytest.mark.parametrize("area", ["0", "-3", "100000", "NaN", "1e400"])
def test_an_area_out_of_range_is_reported(empty_compound, officer, area):
    result = importer.household_import(
        actor=officer, compound=empty_compound, name="h.csv", data=as_csv([["1 号楼", "", "101", area]])
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "exclusive_area")]


def test_an_area_with_a_thousands_separator_is_read(empty_compound, officer):
    importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=as_csv([["别墅", "", "1", "1,234.5"]]))
    assert Household.objects.get(building__compound=empty_compound).exclusive_area == Decimal("1234.50")


def test_overlong_cells_are_reported(empty_compound, officer):
    data = as_csv([["楼" * 51, "", "101", "80"], ["1 号楼", "单" * 21, "1" * 21, "80"]])
    result = importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "building"), (3, "unit"), (3, "room")]


@pytest.mark.parametrize("name", ["households.xls", "households.pdf", "households"])
def test_a_file_that_is_not_csv_or_xlsx_is_refused(empty_compound, officer, name):
    with pytest.raises(importer.ImportFileError, match=r"\.csv or \.xlsx"):
        importer.household_import(actor=officer, compound=empty_compound, name=name, data=as_csv(households(3)))


def test_the_import_page_shows_a_file_error(english, empty_compound, officer):
    english.force_login(officer)
    upload = SimpleUploadedFile("households.pdf", b"%PDF-1.4")
    response = english.post(reverse("compounds:compound-import", args=[empty_compound.pk]), {"file": upload})
    assert response.status_code == 200
    assert response.context["file_error"] == "Upload a .csv or .xlsx file."
    assert 'data-testid="import-file-error"' in response.content.decode()


def test_a_broken_xlsx_is_a_file_error(empty_compound, officer):
    with pytest.raises(importer.ImportFileError, match="Excel"):
        importer.household_import(actor=officer, compound=empty_compound, name="h.xlsx", data=b"not a zip")


def test_a_gb18030_csv_with_chinese_headers_imports(empty_compound, officer):
    rows = [["1 号楼", "1 单元", "101", "89.50"], ["1 号楼", "1 单元", "102", "112.30"], ["２号楼", "", "甲", "70"]]
    data = as_csv(rows, header=["楼栋", "单元", "房号", "专有面积"], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8

    result = importer.household_import(actor=officer, compound=empty_compound, name="住户.CSV", data=data)

    assert result.ok, result.errors
    assert result.households_created == 3
    assert sorted(empty_compound.buildings.values_list("name", flat=True)) == ["1 号楼", "２号楼"]
    assert Household.objects.get(building__compound=empty_compound, room="102").exclusive_area == Decimal("112.30")


def test_a_utf8_csv_with_a_byte_order_mark_from_excel_imports(empty_compound, officer):
    data = as_csv([["1 号楼", "", "101", "80"]], header=["楼栋", "单元", "房号", "面积"], encoding="utf-8-sig")
    assert importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=data).households_created == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"\n\n", "empty"), (b"building,room,exclusive_area\n", "no rows"), (b"\xff\xfe\x00\x81", "neither")],
)
def test_empty_and_undecodable_files_are_file_errors(empty_compound, officer, data, message):
    with pytest.raises(importer.ImportFileError, match=message):
        importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=data)


def test_files_over_the_limits_are_refused(empty_compound, officer, settings):
    settings.IMPORT_MAX_ROWS = 10
    with pytest.raises(importer.ImportFileError, match="10"):
        importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=as_csv(households(11)))
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(importer.ImportFileError, match="larger"):
        importer.household_import(actor=officer, compound=empty_compound, name="h.csv", data=as_csv(households(5)))


def test_only_someone_who_manages_the_compound_may_import(empty_compound, other_officer, resident):
    data = as_csv(households(5))
    for actor in (other_officer, resident):
        with pytest.raises(PermissionDenied):
            importer.household_import(actor=actor, compound=empty_compound, name="h.csv", data=data)
    assert not Building.objects.filter(compound=empty_compound).exists()
