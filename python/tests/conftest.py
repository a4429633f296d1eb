"""The pytest suite of the Python module, run by ctest (python.pytest) with
PYTHONPATH at the build tree's python/ folder and MEDSETTLE_SOURCE_DIR at
the source tree."""
import os
import pathlib

import pytest

SOURCE = pathlib.Path(os.environ.get("MEDSETTLE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture
def source():
    return SOURCE
