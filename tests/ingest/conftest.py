"""Fixtures of the ingest tests: the real German lexicon (built once) and the real source text.

There is deliberately no skip: Hunspell (de_DE_frami) and Enchant are part of the set-up that
`make test` installs, so a missing dictionary is an error every test that needs it reports.
"""

from __future__ import annotations

import pytest

from plangraph import resources
from plangraph.ingest.lexicon import Exceptions, HunspellLexicon


@pytest.fixture(scope="session")
def real_lexicon() -> HunspellLexicon:
    return HunspellLexicon(Exceptions.load(resources.OCR_EXCEPTIONS_FILE))


@pytest.fixture(scope="session")
def source_text() -> str:
    return resources.SOURCE_FILE.read_text(encoding="utf-8")
