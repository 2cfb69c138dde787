#!/usr/bin/env python
"""Django's command-line utility. The project package lives in platform/."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# platform/ is a source folder, not a package: importing it as `platform`
# would shadow the standard library module that `uuid` needs.
for entry in (ROOT / "platform", ROOT):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
