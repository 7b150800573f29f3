"""Files as analysts really hand them over: the header below a title or blank lines, the data on
another sheet than the first. Each is read, its rows numbered as the file's own, with a warning."""

import csv
import io

import openpyxl
import pytest
from conftest import ACLED_BASE, ACLED_CURRENT, csv_bytes, typed
from hostile import import_safely

from sahel.sources import UnknownFormatError, read_incidents


def acled_rows(*rows: dict) -> list[dict]:
    return [{"event_id_cnty": f"MLI{i}", **row} for i, row in enumerate(rows, start=1)]


def excel_csv(rows: list[dict], above: list[str]) -> bytes:
    """An ACLED export as French Excel saves it: `;`, CRLF, cp1252, lines above the header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in above:
        writer.writerow([line] + [""] * 3 if line else [])
    writer.writerow(ACLED_CURRENT)
    for row in rows:
        writer.writerow([{**ACLED_BASE, **row}.get(c, "") for c in ACLED_CURRENT])
    return out.getvalue().encode("cp1252")


@pytest.mark.parametrize("above, warning", [
    ([""], "1 blank line(s) before the header skipped"),
    (["", "", ""], "3 blank line(s) before the header skipped"),
    (["ACLED export, Mali, 2023"], "header found on row 2"),
    (["Export ACLED", "Téléchargé le 25/11/2023", ""], "header found on row 4"),
])
def test_a_csv_header_below_a_title_or_blank_lines_is_found(tmp_path, above, warning):
    rows = acled_rows({"location": "Niafunké"}, {"event_date": "not a date"}, {})
    result = import_safely(excel_csv(rows, above), "x.csv", tmp_path / "store")
    assert result is not None and result.format == "acled"
    assert (result.rows_read, result.kept) == (3, 2)
    assert result.incidents["location"].iloc[0] == "Niafunké"
    # Row numbers stay the file's lines: header on line len(above) + 1.
    assert result.rejected["row"].tolist() == [len(above) + 3]
    assert any(warning in w for w in result.warnings)


def test_a_csv_title_above_a_header_with_a_line_break_in_a_cell(tmp_path):
    rows = acled_rows({"notes": "two\nlines"}, {"fatalities": "many"})
    data = b"My title\n" + csv_bytes(ACLED_CURRENT, rows, ACLED_BASE)
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert result.rejected["row"].tolist() == [5]  # title 1, header 2, record 3–4, record 5


def test_a_header_further_down_than_the_search_is_an_unknown_format():
    data = b"title\n" * 25 + csv_bytes(ACLED_CURRENT, acled_rows({}), ACLED_BASE)
    with pytest.raises(UnknownFormatError):
        read_incidents(io.BytesIO(data), name="x.csv")


def test_a_csv_of_only_blank_lines_and_a_title_is_one_error():
    with pytest.raises(UnknownFormatError):
        read_incidents(io.BytesIO(b"\n\nJust a title\n\n"), name="x.csv")


def workbook(*sheets: tuple[str, list[list[object]], bool]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows, hidden in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def data_rows(*ids: str) -> list[list[object]]:
    return [ACLED_CURRENT] + [[typed({**ACLED_BASE, "event_id_cnty": i}[c]) for c in ACLED_CURRENT]
                              for i in ids]


@pytest.mark.parametrize("sheets, read", [
    ([("README", [["ACLED export"], ["Terms of use: …"]], False),
      ("Data", data_rows("A1", "A2"), False)], "Data"),
    ([("Notes", [["internal"]], True), ("Data", data_rows("A1", "A2"), False)], "Data"),
    ([("Old", data_rows("OLD"), True), ("Data", data_rows("A1", "A2"), False)], "Data"),
])
def test_the_sheet_with_the_data_is_read(tmp_path, sheets, read):
    result = import_safely(workbook(*sheets), "x.xlsx", tmp_path / "store")
    assert result is not None and result.kept == 2
    assert set(result.incidents["event_id"]) == {"A1", "A2"}
    assert any(f"sheet '{read}' read" in w for w in result.warnings)


def test_the_first_sheet_is_read_without_a_word_when_it_holds_the_data(tmp_path):
    data = workbook(("Data", data_rows("A1"), False), ("Other", data_rows("B1", "B2"), False))
    result = import_safely(data, "x.xlsx", tmp_path / "store")
    assert result is not None and list(result.incidents["event_id"]) == ["A1"]
    assert result.warnings == []


def test_an_xlsx_header_below_a_merged_title_keeps_sheet_rows(tmp_path):
    rows = [["ACLED export: Mali"], [], *data_rows("A1", "A2")]
    rows[-1][ACLED_CURRENT.index("fatalities")] = "many"
    book = openpyxl.load_workbook(io.BytesIO(workbook(("Data", rows, False))))
    book.active.merge_cells("A1:F1")
    out = io.BytesIO()
    book.save(out)
    result = import_safely(out.getvalue(), "x.xlsx", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert result.rejected["row"].tolist() == [5]  # title 1, blank 2, header 3, rows 4–5
    assert any("header found on row 3" in w for w in result.warnings)


def test_a_workbook_without_a_header_anywhere_names_the_closest_format():
    data = workbook(("A", [["nothing"]], False), ("B", [["nor here"]], True))
    with pytest.raises(UnknownFormatError):
        read_incidents(io.BytesIO(data), name="x.xlsx")


def test_a_file_joined_from_a_utf8_and_a_windows_export_keeps_both_spellings(tmp_path):
    # Read whole as cp1252, the UTF-8 half's "Niafunké" became "NiafunkÃ©".
    first = csv_bytes(ACLED_CURRENT, acled_rows({"location": "Niafunké"}), ACLED_BASE)
    second = csv_bytes(ACLED_CURRENT, [{"event_id_cnty": "MLI9", "location": "Ménaka"}],
                       ACLED_BASE).decode().split("\n", 1)[1].encode("cp1252")
    result = import_safely(first + second + second.replace(b"MLI9", b"MLI8"), "x.csv",
                           tmp_path / "store")
    assert result is not None and result.kept == 3
    assert result.incidents["location"].tolist() == ["Niafunké", "Ménaka", "Ménaka"]
    assert result.warnings == ["UTF-8 and Windows-1252 (cp1252) lines mixed: 2 line(s) read as "
                               "cp1252 (line 3, 4)"]


def test_a_windows_export_is_read_as_before(tmp_path):
    data = excel_csv(acled_rows({"location": "Niafunké"}, {"location": "Ménaka"}), [])
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.incidents["location"].tolist() == ["Niafunké", "Ménaka"]
    assert result.warnings == ["not UTF-8: decoded as Windows-1252 (cp1252)"]


@pytest.mark.parametrize("cell, kept", [("45254", True), ("45254.5", True), (45254, True),
                                        ("10000", False), ("99999", False), ("4525", False)])
@pytest.mark.parametrize("container", ["csv", "xlsx"])
def test_an_excel_serial_day_is_a_date(tmp_path, container, cell, kept):
    # A date column formatted as a number holds Excel's day count (45254 is 2023-11-24); it was
    # rejected as "unparseable event_date '45254'".
    row = {"event_date": str(cell)}
    data = (csv_bytes(ACLED_CURRENT, acled_rows(row), ACLED_BASE) if container == "csv" else
            workbook(("Data", [ACLED_CURRENT, [cell if c == "event_date" else
                                               typed(ACLED_BASE[c]) for c in ACLED_CURRENT]],
                      False)))
    result = import_safely(data, f"x.{container}", tmp_path / "store")
    assert result is not None and result.kept == int(kept)
    if kept:
        assert str(result.incidents["event_date"].iloc[0])[:10] == "2023-11-24"
    else:
        assert "event_date" in result.rejected["reason"].iloc[0]
