# Root conftest: runs before Django settings load.
import os

os.environ.setdefault("KLACHTPUNT_TESTING", "1")
# Tests migrate in-process; the parallel executor forks.
os.environ.setdefault("EXECUTOR", "standard")
