"""News report → proposed incident records (pure; per-language rules). See `extract_report`."""

from sahel.extract.pipeline import Extraction, UnresolvedPlace, extract_report
from sahel.extract.report import Report, make_report, read_report

__all__ = ["Extraction", "Report", "UnresolvedPlace", "extract_report", "make_report",
           "read_report"]
