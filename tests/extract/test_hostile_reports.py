"""Hostile reports: every input either extracts or fails with ReportError, never a traceback.

All inputs are generated here (no third-party text). Table-driven: bytes → what the reader makes of
them; files and folders → the CLI's one sentence and exit status; then the bounds on the work
(spaCy pieces, sentence length, huge numbers, impossible dates) and a Hypothesis test over
arbitrary text and bytes.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahel.__main__ import main
from sahel.extract import extract_report, make_report
from sahel.extract.cli import JSONL_KEYS, to_json_lines
from sahel.extract.dates import find_dates
from sahel.extract.quantities import MAX_COUNT, find_quantities
from sahel.extract.report import (
    MAX_REPORT_BYTES,
    MAX_REPORT_CHARS,
    ReportError,
    parse_published,
    read_report,
)
from sahel.extract import sentences
from sahel.extract.sentences import (
    MAX_SENTENCE_CHARS,
    MAX_WORD_CHARS,
    PARSE_CHUNK,
    _pieces,
    split_sentences,
)

BODY = ("Au Mali, des hommes armés ont attaqué vendredi le camp militaire de Goundam, tuant "
        "trois soldats, selon une source sécuritaire.")
HEADED = f"PUBLISHED: 2023-11-25\nLANG: fr\n---\n{BODY}\n"


def _upload(data: bytes) -> object:
    return read_report(io.BytesIO(data), name="upload")


@pytest.mark.parametrize(("data", "text"), [
    (HEADED.encode("utf-8"), BODY),
    (codecs.BOM_UTF8 + HEADED.encode("utf-8"), BODY),
    (HEADED.encode("utf-16"), BODY),  # with its BOM, little-endian here
    (codecs.BOM_UTF16_BE + HEADED.encode("utf-16-be"), BODY),
    (HEADED.encode("cp1252"), BODY),  # Notepad's "ANSI": accents survive
    (HEADED.replace("\n", "\r\n").encode("utf-8"), BODY),
    (f"{BODY}\x0bSuite.".encode(), f"{BODY}\x0bSuite."),  # Word's manual line break
], ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252", "crlf", "vertical-tab"])
def test_readable_encodings(data: bytes, text: str) -> None:
    report = read_report(io.BytesIO(data), name="upload")
    assert report.text == text


@pytest.mark.parametrize(("data", "says"), [
    (b"", "empty"),
    (b" \n\t\r\n", "empty"),
    (codecs.BOM_UTF8, "empty"),
    (b"PUBLISHED: 2023-11-25\n---\n\n", "no text after"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b"%PDF-1.7\n\x81\x8d\xe2\x28\xa1", "not text"),
    (b"ok \x1b[31mred\x1b[0m", "control character U+001B"),
    (b"x\x00y", "control character U+0000"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "starts like UTF-16"),  # a lone surrogate
    (b"a. " * (MAX_REPORT_CHARS // 3 + 1), "over the limit of 200,000"),
    (b"a" * (MAX_REPORT_BYTES + 1), "split it into several reports"),
], ids=["empty", "blank", "bom-only", "header-only", "png", "pdf-ish", "escape-codes", "nul",
        "bad-utf-16", "too-long", "too-many-bytes"])
def test_unreadable_bytes_give_one_sentence(data: bytes, says: str) -> None:
    with pytest.raises(ReportError, match=re.escape(says)):
        _upload(data)


def test_the_length_limit_is_inclusive() -> None:
    text = ("Boni. " * (MAX_REPORT_CHARS // 6 + 1))[:MAX_REPORT_CHARS]
    assert len(read_report(text).text) <= MAX_REPORT_CHARS
    with pytest.raises(ReportError, match="200,001 characters"):
        read_report(text + "x")


@pytest.mark.parametrize("value", ["2023-02-30", "0000-01-01", "9999-12-31", "1900-01-01",
                                   "2023-13", "0000"])
def test_impossible_publication_days_are_no_date_with_a_warning(value: str) -> None:
    assert parse_published(value) == (None, "unknown")
    report = _upload(f"PUBLISHED: {value}\n---\n{BODY}".encode())
    assert report.published is None
    assert [w for w in report.warnings if value in w and "taken as undated" in w]
    # Undated: "vendredi" cannot be placed, and nothing fails.
    assert all(r["event_date"] is None for r in extract_report(report).records)


def test_a_publication_day_a_year_ahead_is_the_limit() -> None:
    near = date.today() + timedelta(days=300)
    far = date.today() + timedelta(days=400)
    assert parse_published(near.isoformat()) == (near, "day")
    assert parse_published(far.isoformat()) == (None, "unknown")
    assert make_report(BODY, published=far).published is None


@pytest.mark.parametrize("sentence", [
    "Le 31 décembre 9999, des hommes armés ont tué trois civils à Boni.",
    "Le 1er janvier 0000, des hommes armés ont tué trois civils à Boni.",
    "En mars 0000 puis début mars 0000, l'armée a perdu trois soldats à Boni.",
    "Le 31/12/9999 et le 0000-01-01, trois civils ont été tués à Boni.",
    "Vendredi 31 décembre 9999, la nuit du 31 décembre au 1er janvier 9999, vers 2 heures.",
])
def test_impossible_dates_in_the_text_are_not_dates(sentence: str) -> None:
    assert all(d.day is None or 1900 <= d.day.year <= 2100
               for d in find_dates(sentence, date(2023, 11, 25)))
    extract_report(make_report(sentence, published="2023-11-25", lang="fr"))


@pytest.mark.parametrize(("text", "counts"), [
    ("99999999999999999999999 civils ont été tués", []),
    ("10001 morts", []),
    ("entre 5 000 et 20 000 déplacés", []),
    (f"{MAX_COUNT} morts", [MAX_COUNT]),
    ("au moins 9 999 morts", [9999]),
])
def test_numbers_beyond_a_plausible_toll_are_not_counts(text: str, counts: list[int]) -> None:
    assert [q.low for q in find_quantities(text)] == counts


def test_a_huge_number_is_no_toll() -> None:
    text = "Vendredi, des hommes armés ont tué 99999999999999999999999 civils à Boni, au Mali."
    [record] = extract_report(make_report(text, published="2023-11-25", lang="fr")).records
    assert (record["location"], record["fatalities"]) == ("Boni", 0)


def test_spacy_gets_bounded_pieces_of_a_two_megabyte_line() -> None:
    line = ("Des hommes armés ont attaqué le village de Boni vendredi. " * 40_000)[:2_000_000]
    text = "Titre\n\n" + line + "\nFin."
    pieces = list(_pieces(text))
    assert max(len(p) for _n, _s, p in pieces) <= PARSE_CHUNK
    assert all(text[start:start + len(p)] == p for _n, start, p in pieces)
    assert "".join(p for n, _s, p in pieces if n == 1) == line  # the line, cut nowhere else


def test_spacy_never_gets_a_run_without_spaces_longer_than_a_word() -> None:
    # spaCy strips affixes off a long run in quadratic time: 20,000 "(" took ~35 s.
    text = "(" * 1_000 + " Boni " + "😀" * (3 * MAX_WORD_CHARS + 5) + "\n" + BODY
    pieces = list(_pieces(text))
    assert max(len(word) for _n, _s, p in pieces for word in p.split()) <= MAX_WORD_CHARS
    assert all(text[start:start + len(p)] == p for _n, start, p in pieces)
    assert "".join(p for _n, _s, p in pieces) == text.replace("\n", "")
    assert pieces[-1] == (1, len(text) - len(BODY), BODY)


@pytest.mark.parametrize("text", ["(" * 20_000, "😀" * 20_000, "l'" * 10_000, "1 " * 10_000,
                                  "«»" * 10_000, ("12 " * 300 + "\n") * 20],
                         ids=["parentheses", "emoji", "apostrophes", "ones", "quotes", "numbers"])
def test_hostile_pastes_go_to_the_parser_no_bigger_than_news(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser's time is per token: a paste of a token a character took ~50 s for 20,000.
    parsed: list[str] = []
    parser = sentences.load_pipeline("fr")

    class Spy:
        lang = parser.lang

        def pipe(self, texts: list[str], batch_size: int) -> object:
            parsed.extend(texts)
            return parser.pipe(texts, batch_size=batch_size)

    monkeypatch.setattr(sentences, "load_pipeline", lambda lang: Spy())
    found = split_sentences(text, "fr")
    assert "".join(s.text for s in found).replace(" ", "") == text.replace(" ", "").replace(
        "\n", "")
    tokens = sum(len(re.findall(r"\w+|[^\w\s]", piece)) for piece in parsed)
    assert tokens <= 0.4 * len(text)


def test_news_goes_to_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    parser = sentences.load_pipeline("fr")
    monkeypatch.setattr(parser, "pipe", lambda texts, batch_size: (
        parsed.extend(texts), type(parser).pipe(parser, texts, batch_size=batch_size))[1])
    split_sentences(BODY + "\n" + BODY, "fr")
    assert parsed == [BODY, BODY]


def test_a_sentence_without_a_full_stop_is_cut_at_spaces() -> None:
    text = " ".join(f"mot{i}" for i in range(3_000)) + " " + "x" * 5_000
    sentences = split_sentences(text, "en")
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert "".join(s.text for s in sentences).replace(" ", "") == text.replace(" ", "")
    assert all(text[s.start:s.start + len(s.text)] == s.text for s in sentences)


@pytest.mark.parametrize("make", [
    lambda tmp: tmp / "missing.txt",
    lambda tmp: tmp,
    lambda tmp: _write(tmp / "empty.txt", b""),
    lambda tmp: _write(tmp / "binary.txt", b"\x00\x01\x02\x03" * 64),
    lambda tmp: _write(tmp / "huge.txt", b"Boni. " * (MAX_REPORT_BYTES // 6 + 1)),
    lambda tmp: _write(tmp / "latin.txt", b"\xe9\x81\xff"),
], ids=["missing", "folder", "empty", "binary", "huge", "undecodable"])
def test_cli_goes_on_past_a_bad_report_and_exits_2(
        make: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = make(tmp_path)  # type: ignore[operator]
    good = _write(tmp_path / "good.txt", HEADED.encode())
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(bad), str(good), "--jsonl", str(out)]) == 2
    err = capsys.readouterr().err
    [failure] = [line for line in err.splitlines() if line.startswith(str(bad))]
    assert failure.count(": ") >= 1 and "Traceback" not in err
    assert "1 report(s) could not be extracted" in err
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["location"] for x in lines] == ["Goundam"]


def test_cli_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    locked = _write(tmp_path / "locked.txt", HEADED.encode())

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert main(["extract", str(locked), "--jsonl", "-"]) == 2
    assert f"{locked}: cannot be read: permission denied" in capsys.readouterr().err


def test_cli_catches_an_unexpected_failure_per_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import sahel.extract.pipeline as pipeline

    real = pipeline.extract_report

    def flaky(report: object) -> object:
        if getattr(report, "name", "") == "first":
            raise RuntimeError("boom")
        return real(report)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "extract_report", flaky)
    first = _write(tmp_path / "first.txt", HEADED.encode())
    second = _write(tmp_path / "second.txt", HEADED.encode())
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(first), str(second), "--jsonl", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{first}: could not extract: RuntimeError (boom)" in err
    assert [json.loads(x)["article"] for x in out.read_text().splitlines()] == ["second"]


def test_cli_keeps_terminal_escapes_out_of_its_messages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = _write(tmp_path / "a\x1b[2Jb\u202e.txt", f"PUBLISHED: 2023-02-30\n---\n{BODY}".encode())
    assert main(["extract", str(named), "--jsonl", str(tmp_path / "o.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "a?[2Jb?.txt" in err
    assert "publication date 2023-02-30 is not a calendar day" in err


def test_cli_does_not_use_an_implausible_published_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _write(tmp_path / "plain.txt", BODY.encode())
    out = tmp_path / "o.jsonl"
    assert main(["extract", str(plain), "--jsonl", str(out), "--published", "9999-12-31"]) == 0
    assert "publication date 9999-12-31 is not a calendar day" in capsys.readouterr().err
    assert all(json.loads(x)["event_date"] is None for x in out.read_text().splitlines())


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Pieces of reports that reach the rules' corners, mixed with arbitrary characters.
_FRAGMENTS = ["PUBLISHED: ", "2023-11-25", "9999-12-31", "0000-01-01", "2023-02-30", "\n---\n",
              "LANG: en\n", "TITLE: ", "vendredi", "le 31 décembre 9999", "mars 0000", "hier",
              "la veille", "le lendemain", "Boni", "Goundam", " au Mali", " tués", " civils",
              " soldats", "99999999999999999999999", " et ", " à ", " près de ", "le même jour",
              " JNIM ", " l'armée ", " a revendiqué ", "\n\n", ". ", "«", " killed",
              " on Friday", "entre 5 et 9", "la nuit de vendredi à samedi, vers 2 heures",
              " jusqu'au 31 mars", "Nov 14, 2023", "\u202e", "\x1b", "\ufeff", "\r\n"]
_TEXT = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)),
                 max_size=30).map("".join)
_BYTES = st.one_of(_TEXT.map(str.encode), _TEXT.map(lambda t: t.encode("utf-16")),
                   st.binary(max_size=200))


def _well_formed(lines: list[dict[str, object]]) -> None:
    for line in lines:
        assert list(line) == list(JSONL_KEYS)
        json.dumps(line, ensure_ascii=False, allow_nan=False)
        for key in ("fatalities", "fatalities_low", "fatalities_high"):
            value = line[key]
            assert value is None or (isinstance(value, int) and 0 <= value < 2**31)
        day = line["event_date"]
        assert day is None or 1900 <= date.fromisoformat(str(day)).year <= 2100


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(_BYTES, st.sampled_from([None, date(2023, 11, 25)]))
def test_any_bytes_read_and_extract_or_raise_report_error(data: bytes, day: date | None) -> None:
    try:
        report = read_report(io.BytesIO(data), name="fuzz")
    except ReportError as error:
        assert str(error) and "\n" not in str(error)
        return
    if day is not None:
        report = make_report(report.text, published=day, lang=report.lang)
    extraction = extract_report(report)
    assert len(extraction.incidents) == len(extraction.records)
    _well_formed(to_json_lines(extraction))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_any_pasted_text_reads_and_extracts_or_raises_report_error(text: str) -> None:
    try:
        report = read_report(text, name="pasted")
    except ReportError:
        return
    _well_formed(to_json_lines(extract_report(report)))
