"""The `stijging` console command: this project's manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")
    if sys.argv[1:2] == ["demo"]:
        # DEBUG is off unless set on (production is the default); the demo is the one command that
        # turns it on itself, with demo mode and without MFA, before the settings are read. An
        # explicit DEBUG=0 stays, and the settings then refuse demo mode.
        os.environ.setdefault("DEBUG", "1")
        os.environ["STIJGING_DEMO"] = "1"
        os.environ["STIJGING_REQUIRE_MFA"] = "0"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stijging", *sys.argv[1:]])


if __name__ == "__main__":
    main()
