"""Report reading (file format, plain text, uploads) and `python -m sahel extract`."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel.__main__ import main
from sahel.extract import extract_report, make_report
from sahel.extract.report import date_in_name, detect_language, parse_published, read_report
from sahel.store import IncidentStore

REPORT = """URL: https://example.org/mali-goundam
SOURCE: Example Wire
PUBLISHED: 2023-11-25
LANG: fr
TITLE: Attaque contre le camp de Goundam
NOTE: an annotator's remark that must be ignored
---
Au Mali, le Jnim a attaqué vendredi le camp militaire de Goundam, tuant trois soldats.
"""


def test_report_file_header_and_body(tmp_path: Path) -> None:
    path = tmp_path / "042.txt"
    path.write_text(REPORT, encoding="utf-8")
    report = read_report(path)
    assert (report.name, report.url, report.source, report.lang, report.published) == (
        "042", "https://example.org/mali-goundam", "Example Wire", "fr", date(2023, 11, 25))
    assert report.text.startswith("Au Mali") and "annotator" not in report.text


def test_upload_and_plain_text() -> None:
    upload = read_report(io.BytesIO(REPORT.encode("utf-8")), name="upload")
    plain = read_report("Gunmen attacked the army post in Boni on Tuesday, killing four soldiers.")
    assert upload.title == "Attaque contre le camp de Goundam"
    assert (plain.lang, plain.published, plain.published_precision) == ("en", None, "unknown")


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-07-03", (date(2024, 7, 3), "day")), ("2024-07", (date(2024, 7, 1), "month")),
    ("unknown", (None, "unknown")),
])
def test_published_precision(value: str, expected: tuple[date | None, str]) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(("text", "lang"), [
    ("Des hommes armés ont attaqué le poste de l'armée dans la nuit.", "fr"),
    ("Gunmen attacked the army post during the night, officials said.", "en"),
])
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_cli_writes_scorer_lines_and_adds_to_the_store(tmp_path: Path) -> None:
    path = tmp_path / "042.txt"
    path.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    store = tmp_path / "store"
    assert main(["extract", str(path), "--jsonl", str(out), "--add", "--store", str(store)]) == 0
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert {k: line[k] for k in ("article", "event_date", "location", "country", "admin1",
                                 "actor1", "actor2", "event_type", "fatalities_low")} == {
        "article": "042", "event_date": "2023-11-24", "location": "Goundam", "country": "MLI",
        "admin1": "Tombouctou", "actor1": "JNIM", "actor2": "FAMa", "event_type": "Battles",
        "fatalities_low": 3}
    assert line["claims"][0]["kind"] == "killed" and line["background"] is False
    stored = IncidentStore(store).load()
    assert list(stored["location"]) == ["Goundam"]
    assert list(stored["source_url"]) == ["https://example.org/mali-goundam"]


SEED = Path(__file__).resolve().parents[1] / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"


@pytest.mark.parametrize(("name", "day"), [
    ("rfi_2023-11-25_jnim_niafunke_goundam.txt", date(2023, 11, 25)),
    ("2024-02-30_then_2024-03-01.txt", date(2024, 3, 1)),  # not a real day: the next one
    ("042.txt", None), ("report_20231125.txt", None), ("x12023-11-25.txt", None),
])
def test_date_in_file_name(name: str, day: date | None) -> None:
    assert date_in_name(name) == day


def test_plain_file_takes_its_name_s_date_and_a_header_wins(tmp_path: Path) -> None:
    plain = tmp_path / "rfi_2023-11-25_goundam.txt"
    plain.write_text(REPORT.split("---\n", 1)[1], encoding="utf-8")
    report = read_report(plain)
    assert (report.published, report.published_from) == (date(2023, 11, 25), "the file name")
    upload = read_report(io.BytesIO(plain.read_bytes()), name=plain.name)
    assert (upload.published, upload.published_from) == (date(2023, 11, 25), "the file name")
    headed = tmp_path / "rfi_2020-01-01_goundam.txt"
    headed.write_text(REPORT, encoding="utf-8")
    assert (read_report(headed).published, read_report(headed).published_from) == (
        date(2023, 11, 25), "the header")


def test_cli_on_the_seed_file_as_shipped_finds_both_attacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed.jsonl"
    assert main(["extract", str(SEED), "--jsonl", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["location"], x["event_date"]) for x in lines if not x["background"]] == [
        ("Niafunké", "2023-11-24"), ("Goundam", "2023-11-24")]
    assert "publication date 2023-11-25 from the file name" in capsys.readouterr().err


def test_cli_says_when_a_report_has_no_date_and_takes_published(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    undated = tmp_path / "seed.txt"
    undated.write_bytes(SEED.read_bytes())
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(undated), "--jsonl", str(out)]) == 0
    err = capsys.readouterr().err
    assert "seed.txt: no publication date" in err and "give --published" in err
    assert main(["extract", str(undated), "--jsonl", str(out), "--published", "2023-11-25"]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["location"] for x in lines if not x["background"]] == ["Niafunké", "Goundam"]
    with pytest.raises(SystemExit):
        main(["extract", str(undated), "--jsonl", str(out), "--published", "25/11/2023"])
    assert "not a day (YYYY-MM-DD)" in capsys.readouterr().err


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("abcdeéèiouy ,.:;'’\n-0123456789ABCDKMNST")),
               max_size=300))
def test_any_text_extracts_without_error(text: str) -> None:
    extraction = extract_report(make_report(text, published="2023-11-25"))
    assert len(extraction.incidents) == len(extraction.records)
