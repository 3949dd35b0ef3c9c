"""Session-wide test settings."""

import os

from sanic import Sanic

# Several Sanic apps (console, dossier service, channels) start in one pytest
# process; Sanic 21.12 refuses a second app unless test mode is on.
Sanic.test_mode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

# The running-stack fixtures (model, Rasa + action server + dossier service) are
# shared by tests/e2e and tests/scale; they start only when a test asks for them.
from scale_server import (  # noqa: E402, F401
    language,
    model_path,
    project_dir,
    rasa_server,
    scripts,
)
