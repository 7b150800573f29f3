"""Translations: every string marked for users has French; formats follow the language."""

from __future__ import annotations

import re
import string
import threading
from datetime import date

import pytest

from sahel import catalogues, i18n


def test_every_marked_string_has_a_french_translation() -> None:
    untranslated = [f"{path.name}:{line}: {message!r}"
                    for message, path, line in catalogues.missing("fr")]
    assert not untranslated, ("No French for (run `python -m sahel.catalogues DOMAIN` and "
                              "translate):\n" + "\n".join(untranslated))


def test_translations_keep_their_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}

    for domain, catalogue in catalogues.french_catalogues().items():
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in texts:
                if text:
                    assert fields(text) <= fields(ids[-1]) | fields(ids[0]), (domain, message.id)


def test_no_formatted_string_is_marked() -> None:
    # `_(f"...")` cannot be found in a catalogue: the text must be a literal, formatted after.
    marked_fstring = re.compile(r"\b(?:_|ngettext|N_)\(\s*f[\"']")
    offenders = [str(path) for path in catalogues.source_files()
                 if marked_fstring.search(path.read_text(encoding="utf-8"))]
    assert not offenders


@pytest.mark.parametrize(("preferences", "expected"), [
    ("fr-FR", "fr"), ("fr_BE", "fr"), ("en-GB", "en"), ("de-DE", "en"), (None, "en"), ("", "en"),
    ("de-DE,fr;q=0.8,en;q=0.5", "fr"), (["pt-BR", "fr-CA"], "fr"), (["FR"], "fr")])
def test_negotiate_picks_the_browsers_first_known_language(preferences: object,
                                                           expected: str) -> None:
    assert i18n.negotiate(preferences) == expected  # type: ignore[arg-type]


def test_language_is_per_thread_and_unknown_means_english() -> None:
    assert i18n.use_language("xx") == "en"
    i18n.use_language("fr")
    seen: list[str] = []
    other = threading.Thread(target=lambda: seen.append(i18n.current_language()))
    other.start()
    other.join()
    assert seen == ["en"] and i18n.current_language() == "fr"
    i18n.use_language("en")


@pytest.mark.parametrize(("language", "number", "day"), [
    ("en", "12,345", "24 Nov 2023"), ("fr", "12\u202f345", "24 nov. 2023")])
def test_numbers_and_dates_follow_the_language(language: str, number: str, day: str) -> None:
    assert i18n.format_number(12345, language) == number
    assert i18n.format_date(date(2023, 11, 24), "d MMM yyyy", language) == day


@pytest.mark.parametrize(("argv", "code"), [(["--help"], 0), (["-h"], 0), (["../x"], 2),
                                              (["map", "extra"], 2), (["-x"], 2)])
def test_the_catalogue_tool_gives_its_usage_and_writes_no_file_for_odd_arguments(
        argv: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(catalogues.LOCALE_DIR.rglob("*.po"))
    assert catalogues.main(argv) == code
    assert capsys.readouterr().out.startswith("usage:")
    assert sorted(catalogues.LOCALE_DIR.rglob("*.po")) == before
