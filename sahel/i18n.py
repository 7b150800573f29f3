"""Words shown to people, in English or French: gettext catalogues and per-language formats.

English is the source language: every string a user reads is written in English and passed
through `_` (or `ngettext` for counts); `sahel/locale/fr/LC_MESSAGES/*.po` hold the French. Each
part of the page keeps its own catalogue (`dashboard.po`, `map.po`, …): they are merged when
loaded, and `tests/test_i18n.py` fails when a string marked for translation has no French.
The catalogues are compiled (Babel's `write_mo`) in memory when first used, so a checkout needs
no build step and a `.po` edited by a translator is what runs.

The language is per session and per thread (the dashboard serves several sessions at once): the
page calls `use_language` at the start of each run; code run for it (`sahel` included) then reads
it through `_`, `format_number`, `format_date`. Data values (place names, actor names, quoted
claims) are never passed through `_`.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
# What the language switch shows: each language in its own words (never translated).
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language: ContextVar[str] = ContextVar("sahel_language", default=DEFAULT_LANGUAGE)


def use_language(language: str | None) -> str:
    """Make `language` (one of LANGUAGES; anything else means English) the current thread's
    language; return the language now in use."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


def current_language() -> str:
    """Return the current thread's language code ("en" or "fr")."""
    return _language.get()


def negotiate(preferences: Iterable[str | None] | str | None) -> str:
    """Return the first of LANGUAGES a browser's preferences name (a locale such as "fr-FR", a
    list of them, or an Accept-Language header), else English."""
    if preferences is None:
        return DEFAULT_LANGUAGE
    if isinstance(preferences, str):
        preferences = [part.split(";")[0] for part in preferences.split(",")]
    for preference in preferences:
        if not preference:
            continue
        code = preference.strip().replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """Return the merged catalogues of `language`, compiled in memory (English: none)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    merged = None
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        if merged is None:
            merged = catalogue
            continue
        for message in catalogue:
            if message.id and message.id not in merged:
                merged[message.id] = message
    if merged is None:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """Return `message` (English, the msgid) in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Return the singular or plural form for `count` in the current language (French says
    "0 incident", English "0 incidents")."""
    return _translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 (gettext's own name, known to the extractors)
    """Mark `message` for translation where it is declared; translate it with `_` where shown."""
    return message


def babel_locale(language: str | None = None) -> Locale:
    """Return the Babel locale of `language` (default: the current one)."""
    try:
        return Locale.parse(language or current_language())
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def format_number(value: float | int, language: str | None = None) -> str:
    """Return `value` with the language's grouping and decimal signs (12,345 · 12 345)."""
    return format_decimal(value, locale=babel_locale(language))


def format_share(value: float, language: str | None = None) -> str:
    """Return a fraction as a percentage in the language's way (+25 % in French)."""
    return format_percent(value, locale=babel_locale(language))


def format_date(value: date | datetime, style: str = "medium", language: str | None = None
                ) -> str:
    """Return a date in the language's way: "medium" is 24 Nov 2023 / 24 nov. 2023; "long" is
    24 November 2023 / 24 novembre 2023; or a Babel pattern such as "MMM yyyy"."""
    day = value.date() if isinstance(value, datetime) else value
    return babel_format_date(day, format=style, locale=babel_locale(language))
