"""Typed errors of the readers: what the CLI and the dashboard show instead of a traceback."""

from __future__ import annotations


class SourceError(ValueError):
    """A file that cannot be imported at all (nothing was read from it)."""


class UnreadableSourceError(SourceError):
    """The bytes are not a table: empty file, undecodable text, broken CSV or workbook."""


class UnknownFormatError(SourceError):
    """The header matches no known format; `missing` names what the closest format lacks."""

    def __init__(self, closest: str, missing: list[str], columns: list[str]) -> None:
        self.closest = closest
        self.missing = missing
        self.columns = columns
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        super().__init__(
            f"unknown format: closest is {closest}, which also needs the column(s) {shown}")
