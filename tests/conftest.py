"""Session-wide test settings."""

import os

from sanic import Sanic

# Several Sanic apps (console, dossier service, channels) start in one pytest
# process; Sanic 21.12 refuses a second app unless test mode is on.
Sanic.test_mode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
