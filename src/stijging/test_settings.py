"""The settings the test suite runs with (pyproject's DJANGO_SETTINGS_MODULE): the project's own,
read with DEBUG on, because DEBUG is off unless set on and the tests run on the demo defaults (an
insecure key, static files from the finders). pytest-django still runs each test with DEBUG off.
Tests that check production start-up run `stijging.settings` in a child process with their own
environment."""

import os

os.environ["DEBUG"] = "1"

from stijging.settings import *  # noqa: E402,F403
