"""The product's settings plus the test-only tenant app ``tenantmig``."""

from klachtpunt.settings import *  # noqa: F403
from klachtpunt.settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.tenantmig"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenantmig"]
