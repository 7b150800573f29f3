"""The translation catalogues' upkeep: which marked strings the code holds, which have no French.

`python -m sahel.catalogues [DOMAIN]` lists the strings marked with `_`, `ngettext` or `N_` in the
page's code (dashboard*.py, pages/, sahel/) that no French catalogue translates, and with a
domain name appends them, untranslated, to `sahel/locale/fr/LC_MESSAGES/DOMAIN.po` for a
translator to fill. `tests/test_i18n.py` fails while any is missing or empty.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from sahel.i18n import LOCALE_DIR

# A msgid, or a (singular, plural) pair for `ngettext`.
MessageId = str | tuple[str, ...]
ROOT = Path(__file__).resolve().parents[1]
# Where strings shown to users live: the page, its other pages, and the package.
SOURCE_GLOBS = ("dashboard*.py", "pages/*.py", "sahel/**/*.py")


def source_files(root: Path = ROOT) -> list[Path]:
    """Return the Python files whose marked strings need a translation."""
    found: set[Path] = set()
    for pattern in SOURCE_GLOBS:
        found.update(root.glob(pattern))
    return sorted(found)


def marked_strings(root: Path = ROOT) -> Iterator[tuple[MessageId, Path, int]]:
    """Yield each marked message (a msgid, or a (singular, plural) pair) with its file and line."""
    for path in source_files(root):
        for line, message, _comments, _context in extract_from_file("python", str(path)):
            yield message, path, line


def french_catalogues(language: str = "fr") -> dict[str, Catalog]:
    """Return each catalogue of `language` by its domain (file stem)."""
    catalogues = {}
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalogues[path.stem] = read_po(handle, locale=language)
    return catalogues


def missing(language: str = "fr") -> list[tuple[MessageId, Path, int]]:
    """Return the marked messages no catalogue of `language` translates (or only fuzzily)."""
    translated: set[str] = set()
    for catalogue in french_catalogues(language).values():
        for entry in catalogue:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if entry.id and not entry.fuzzy and all(strings):
                translated.add(entry.id if isinstance(entry.id, str) else entry.id[0])
    seen: set[str] = set()
    result = []
    for message, path, line in marked_strings():
        key = message if isinstance(message, str) else message[0]
        if key and key not in translated and key not in seen:
            seen.add(key)
            result.append((message, path, line))
    return result


def append_missing(domain: str, language: str = "fr") -> int:
    """Add the missing messages, untranslated, to DOMAIN.po; return how many were added."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if path.exists():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
    else:
        catalogue = Catalog(locale=language, project="sahel-incidents", domain=domain, fuzzy=False,
                            copyright_holder="the sahel-incidents contributors")
    added = 0
    for message, source, line in missing(language):
        if message in catalogue:
            continue
        catalogue.add(message, locations=[(str(source.relative_to(ROOT)), line)])
        added += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False)
    return added


USAGE = """usage: python -m sahel.catalogues [DOMAIN]
  without DOMAIN: list the messages shown to users that have no French yet;
  with DOMAIN (a name of letters, digits and _): append them, untranslated, to
  sahel/locale/fr/LC_MESSAGES/DOMAIN.po for a translator."""


def main(argv: list[str]) -> int:
    """List the untranslated messages; with a domain, append them to its catalogue."""
    if argv and (len(argv) > 1 or argv[0].startswith("-")
                 or not argv[0].replace("_", "").isalnum()):
        print(USAGE)
        return 0 if argv[0] in ("-h", "--help") else 2
    if argv:
        print(f"{append_missing(argv[0])} messages added to {argv[0]}.po")
        return 0
    for message, path, line in missing():
        print(f"{path.relative_to(ROOT)}:{line}: {message!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
