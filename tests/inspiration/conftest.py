from __future__ import annotations

from typing import Any

import pytest

from tests.inspiration.world import World


@pytest.fixture
def world(platform: Any) -> World:
    return World(platform)
