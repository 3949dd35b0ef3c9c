"""The reference one-stop dossier API (v1) as a Sanic application.

Routes (described in ``openapi.yaml`` next to this file)::

    GET  /api/v1/health
    GET  /api/v1/openapi.yaml | /api/v1/openapi.json
    GET  /api/v1/dossiers/{code}[?verify=NNNN]      (or header X-Dossier-Verify)
    POST /api/v1/dossiers                            (X-API-Key)
    POST /api/v1/dossiers/{code}/status              (X-API-Key)

Errors are ``{"error": "<code>", "message": "<text>"}``, never a stack trace.
The access log names method, path and status only: the query string may hold
the verification digits.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List

import yaml
from sanic import Sanic
from sanic.exceptions import MethodNotSupported, NotFound, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, text
from sanic.response import json as json_response

from bot.dossier.codes import EXAMPLE_CODE, is_valid_code
from bot.dossier.lookup import check_rate_limit
from bot.dossier.service.payloads import (
    InvalidRequest,
    parse_new_dossier,
    parse_status_change,
)
from bot.dossier.service.store import (
    AlreadyExists,
    DossierStore,
    InvalidTransition,
)
from bot.dossier.service.store import NotFound as StoreNotFound
from bot.dossier.service.views import phone_matches, public_view
from bot.dossier.statuses import local_today

logger = logging.getLogger(__name__)

API_VERSION = "1"
PREFIX = "/api/v1"
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
API_KEY_HEADER = "X-API-Key"
VERIFY_HEADER = "X-Dossier-Verify"
# Wrong verifications allowed per dossier before the service refuses for a while:
# four digits are only 10,000 guesses, and the bot's own limit is per conversation.
MAX_VERIFY_FAILURES = 5
VERIFY_WINDOW_SECONDS = 900
MAX_BODY_BYTES = 64 * 1024

_dumps = partial(json.dumps, ensure_ascii=False)
_app_numbers = itertools.count(1)


class ApiError(Exception):
    """An error answer: HTTP status, machine-readable code and a message."""

    def __init__(self, status: int, error: str, message: str, headers=None):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.headers = headers or {}


def error_response(
    status: int, error: str, message: str, headers: Dict[str, str] | None = None
) -> HTTPResponse:
    """The JSON body every error has."""
    return json_response(
        {"error": error, "message": message},
        status=status,
        headers=headers,
        dumps=_dumps,
    )


def ok(body: Any, status: int = 200) -> HTTPResponse:
    """A JSON success answer, UTF-8 without escapes."""
    return json_response(body, status=status, dumps=_dumps)


def canonical_code(raw: str) -> str:
    """The code from the URL in canonical form; ``ApiError`` 400 if malformed."""
    code = (raw or "").strip().upper()
    if not is_valid_code(code):
        raise ApiError(
            400,
            "invalid_code",
            f"not a dossier code; expected something like {EXAMPLE_CODE}",
        )
    return code


def create_app(
    store: DossierStore,
    api_key: str | None = None,
    today: Callable[[], Any] = local_today,
    clock: Callable[[], float] = time.time,
    name: str | None = None,
) -> Sanic:
    """Build the API over ``store``.

    Args:
        store: where dossiers live.
        api_key: the key the write endpoints require in ``X-API-Key``; without
            one every write is refused (403 ``writes_disabled``).
        today: returns the local date that decides ``overdue``.
        clock: epoch seconds, for the wrong-verification limit.
        name: Sanic app name (unique per process; generated when omitted).
    """
    app = Sanic(name or f"dossier_service_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # SQLite allows one writer at a time: one worker thread avoids "database is
    # locked"; a server database gets a small pool.
    workers = 1 if store.engine.dialect.name == "sqlite" else 8
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dossier-db")
    openapi_yaml = OPENAPI_PATH.read_text(encoding="utf-8")
    openapi_json = _dumps(yaml.safe_load(openapi_yaml))
    failures: Dict[str, List[float]] = {}

    async def db(func, *args):
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)

    def require_key(request: Request) -> None:
        if not api_key:
            raise ApiError(
                403,
                "writes_disabled",
                "writes are disabled: DOSSIER_API_KEY is not set",
            )
        given = request.headers.get(API_KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), api_key.encode()):
            raise ApiError(401, "unauthorized", f"missing or wrong {API_KEY_HEADER}")

    def json_body(request: Request) -> Any:
        try:
            return json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc

    @app.middleware("request")
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.middleware("response")
    async def access_log(request: Request, response: HTTPResponse) -> None:
        started = getattr(request.ctx, "started", time.perf_counter())
        logger.info(
            "%s %s %s %.0fms",
            request.method,
            request.path,  # never the query string: it may hold verification digits
            response.status,
            (time.perf_counter() - started) * 1000,
        )

    @app.exception(Exception)
    def handle_error(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, ApiError):
            return error_response(exc.status, exc.error, exc.message, exc.headers)
        if isinstance(exc, NotFound):
            # Not "not_found": a client must not take a wrong base URL for a
            # dossier that does not exist.
            return error_response(404, "unknown_endpoint", "no such endpoint")
        if isinstance(exc, MethodNotSupported):
            return error_response(405, "method_not_allowed", "method not allowed here")
        if isinstance(exc, SanicException) and 400 <= exc.status_code < 500:
            return error_response(exc.status_code, "bad_request", str(exc))
        # Only the type: messages of database errors may quote personal data.
        logger.error(
            "internal error %s on %s %s",
            type(exc).__name__,
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
        )
        return error_response(500, "internal_error", "internal error")

    @app.get(f"{PREFIX}/health")
    async def health(request: Request) -> HTTPResponse:
        try:
            await db(store.ping)
        except Exception as exc:
            logger.error("database unavailable: %s", type(exc).__name__)
            raise ApiError(
                503, "database_unavailable", "the database is unavailable"
            ) from None
        return ok({"status": "ok", "api_version": API_VERSION, "database": "ok"})

    @app.get(f"{PREFIX}/openapi.yaml")
    async def openapi_as_yaml(request: Request) -> HTTPResponse:
        return text(openapi_yaml, content_type="application/yaml; charset=utf-8")

    @app.get(f"{PREFIX}/openapi.json")
    async def openapi_as_json(request: Request) -> HTTPResponse:
        return text(openapi_json, content_type="application/json")

    @app.get(f"{PREFIX}/dossiers/<code>")
    async def get_dossier(request: Request, code: str) -> HTTPResponse:
        code = canonical_code(code)
        row = await db(store.get, code)
        if row is None:
            raise ApiError(404, "not_found", f"no dossier {code}")
        verify = request.headers.get(VERIFY_HEADER) or request.args.get("verify")
        verified = False
        if verify is not None:
            now = clock()
            allowed, retry_after, kept = check_rate_limit(
                failures.get(code), now, MAX_VERIFY_FAILURES, VERIFY_WINDOW_SECONDS
            )
            if not allowed:
                failures[code] = kept
                raise ApiError(
                    429,
                    "too_many_attempts",
                    "too many wrong verifications for this dossier; retry later",
                    headers={"Retry-After": str(retry_after)},
                )
            if not phone_matches(row["owner_phone"], verify):
                failures[code] = [*kept, now]
                raise ApiError(
                    403,
                    "verification_failed",
                    "the verification does not match the phone number on the dossier",
                )
            verified = True
        return ok(public_view(row, today(), verified=verified))

    @app.post(f"{PREFIX}/dossiers")
    async def create_dossier(request: Request) -> HTTPResponse:
        require_key(request)
        try:
            record = parse_new_dossier(json_body(request), today())
        except InvalidRequest as exc:
            raise ApiError(400, "invalid_request", str(exc)) from exc
        agency = record.pop("agency_code")
        try:
            code = await db(store.create, record, agency)
        except AlreadyExists as exc:
            raise ApiError(
                409, "already_exists", "a dossier with this code exists"
            ) from exc
        row = await db(store.get, code)
        return ok(public_view(row, today()), status=201)

    @app.post(f"{PREFIX}/dossiers/<code>/status")
    async def move_dossier(request: Request, code: str) -> HTTPResponse:
        require_key(request)
        code = canonical_code(code)
        try:
            change = parse_status_change(json_body(request))
        except InvalidRequest as exc:
            raise ApiError(400, "invalid_request", str(exc)) from exc
        try:
            await db(store.move, code, change, today())
        except StoreNotFound as exc:
            raise ApiError(404, "not_found", f"no dossier {code}") from exc
        except InvalidTransition as exc:
            raise ApiError(409, "invalid_transition", str(exc)) from exc
        row = await db(store.get, code)
        return ok(public_view(row, today()))

    @app.listener("after_server_stop")
    async def close(app_: Sanic, loop) -> None:
        executor.shutdown(wait=False)

    return app
