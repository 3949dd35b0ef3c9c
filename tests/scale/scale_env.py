"""Where the repository is, and an environment that keeps processes on loopback.

Importing this module puts the repository root on ``sys.path`` so the tests can
use the shared process harness in ``bench/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.harness import settings_defaults  # noqa: E402
from bench.processes import free_port  # noqa: E402
from bench.stack import base_url  # noqa: E402


def offline_env(endpoints: Path | None = None) -> Dict[str, str]:
    """Environment keeping every process on loopback.

    Channel credentials are dummies and every outside API base points at a
    closed loopback port, so nothing leaves the machine. Placeholders in
    ``endpoints`` that the environment lacks get the project's defaults.
    """
    closed = base_url(free_port())
    env = {
        "ZALO_APP_ID": "scale-test-app",
        "ZALO_OA_SECRET_KEY": "scale-test-oa-secret",
        "ZALO_ACCESS_TOKEN": "scale-test-access-token",
        "ZALO_REFRESH_TOKEN": "scale-test-refresh-token",
        "ZALO_APP_SECRET": "scale-test-app-secret",
        "ZALO_API_BASE": closed,
        "ZALO_OAUTH_BASE": closed,
        "TELEGRAM_API_BASE": closed,
        "DOSSIER_API_URL": closed,
    }
    env.update(settings_defaults(endpoints, {**os.environ, **env}))
    return env
