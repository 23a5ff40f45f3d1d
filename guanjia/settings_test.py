"""Settings for the test suite: the production settings in testing mode."""

import os

os.environ.setdefault("GUANJIA_TESTING", "1")

from guanjia.settings import *  # noqa: E402, F403

# Fast password hashing: the suite creates hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: F405
