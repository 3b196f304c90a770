from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.radius.dictionary import load_dictionary

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary


@pytest.fixture(scope="session")
def dictionary() -> Dictionary:
    return load_dictionary()
