"""Settings for the test suite: the production settings in testing mode."""

import os

os.environ.setdefault("GUANJIA_TESTING", "1")

from guanjia.settings import *  # noqa: E402, F403

# Fast password hashing: the suite creates hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: F405

# A test-only app with a small state machine: core's transition helpers and action views are
# tested on it, without a domain app (guanjia/core imports none).
INSTALLED_APPS = [*INSTALLED_APPS, "guanjia.core.tests.toy"]  # noqa: F405

# CM-1 "contact box opened daily", a toy plug-in proving that a new app reaches every registry
# (policy, duty, permission, menu, dashboard, KPI) without editing core (guanjia/tests_system).
INSTALLED_APPS = [*INSTALLED_APPS, "guanjia.tests_system.contactbox"]
