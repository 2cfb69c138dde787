import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers this marker; runs with `-p no:xdist` need it too.
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker as the group")
