"""A fixture for tests of words shown to people: the current thread in French for one test.

Import it into a test module (`from language import french`) and mark the tests with
`@pytest.mark.usefixtures("french")`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sahel.i18n import DEFAULT_LANGUAGE, use_language


@pytest.fixture
def french() -> Iterator[None]:
    """Run the test in French, then go back to the default language."""
    use_language("fr")
    yield
    use_language(DEFAULT_LANGUAGE)
