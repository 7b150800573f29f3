"""Take the README's screenshots: the page on the shipped data, in English and in French.

    python docs/screenshots.py

Starts the dashboard as `make run` does on an empty store (the shipped data only) and opens it
in Debian's chromium, offline, once with an English and once with a French browser; writes
docs/screenshot.png and docs/screenshot-fr.png at 1440 × 1000, reduced to 256 colours so each
stays under MAX_BYTES.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

import harness  # noqa: E402
from PIL import Image  # noqa: E402

SHOTS = {"en-GB": ROOT / "docs" / "screenshot.png", "fr-FR": ROOT / "docs" / "screenshot-fr.png"}
WIDTH, HEIGHT = 1440, 1000
MAX_BYTES = 300_000


def main() -> int:
    """Write the screenshots; return 1 if one is over MAX_BYTES."""
    too_big = 0
    with tempfile.TemporaryDirectory() as store, harness.running_app(Path(store)) as url, \
            harness.chromium() as browser:
        for locale, path in SHOTS.items():
            with harness.blocked_page(browser, width=WIDTH, height=HEIGHT,
                                      locale=locale) as blocked:
                page = blocked.page
                page.goto(url)  # type: ignore[attr-defined]
                harness.wait_for_map(page)
                page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)  # type: ignore[attr-defined]
                page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
                picture = Image.open(io.BytesIO(page.screenshot()))  # type: ignore[attr-defined]
            picture.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
                path, optimize=True)
            size = path.stat().st_size
            print(f"{path.relative_to(ROOT)}: {size:,} bytes")
            too_big += size > MAX_BYTES
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())
