"""The hotline staff console and the public web chat page, as one Sanic app.

Routes (staff routes need CONSOLE_ACCESS_KEY; without it they answer 503):

- ``GET /``: the console page (session cookie, else redirect to ``/login``)
- ``GET|POST /login``, ``POST /logout``: staff sign-in with the access key
- ``GET /api/search?q=&top=``: ranked procedures
- ``GET /api/procedure/<code>``: one procedure and its ready-to-send answer text
- ``GET /api/dossier?code=&verify=``: dossier status (owner only when verified)
- ``GET /api/report?days=&top=``: what citizens ask, unanswered questions, ratings
- ``GET /chat``, ``POST /chat/api``: web chat page and its relay to Rasa (no login)
- ``GET /healthz``: liveness

API calls authenticate with the session cookie or an ``X-Console-Key`` header.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import html
import inspect
import logging
import time
from pathlib import Path
from typing import Any, Callable, Dict
from urllib.parse import parse_qs

import yaml
from sanic import Sanic
from sanic.exceptions import InvalidUsage
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse, empty, json, redirect
from sanic.response import html as html_response

from bot.console.auth import (
    COOKIE_NAME,
    HEADER_NAME,
    LoginThrottle,
    SessionSigner,
)
from bot.console.chat_proxy import ChatRequestError, RasaChatProxy, parse_chat_request
from bot.settings import HOTLINE, Settings

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("bot.console.access")

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
PAGES_DIR = PACKAGE_DIR / "pages"
MESSAGES_PATH = PACKAGE_DIR / "messages.yml"

DEFAULT_TOP = 10
MAX_TOP = 50
MAX_QUERY_CHARS = 200
MAX_CODE_CHARS = 100
MAX_VERIFY_CHARS = 32
DEFAULT_REPORT_DAYS = 30
MAX_REPORT_DAYS = 366

_CONSOLE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Bot replies may carry images hosted elsewhere.
_CHAT_CSP = (
    "default-src 'self'; img-src 'self' data: https: http:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

ReportFn = Callable[..., Dict[str, Any]]


@functools.lru_cache(maxsize=1)
def load_messages() -> Dict[str, str]:
    """The console's Vietnamese texts, from ``messages.yml``."""
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    return {key: str(value).strip() for key, value in data.items()}


@functools.lru_cache(maxsize=None)
def _page_template(name: str) -> str:
    return (PAGES_DIR / name).read_text(encoding="utf-8")


def render_page(name: str, message: str = "") -> str:
    """An HTML page from ``pages/`` with ``message`` escaped into its slot."""
    return _page_template(name).replace("<!--MESSAGE-->", html.escape(message))


def to_jsonable(value: Any) -> Any:
    """Plain JSON values from dataclasses, dates and containers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class PrivateErrorHandler(ErrorHandler):
    """Logs failures by path only (query strings may hold verification values)."""

    @staticmethod
    def log(request, exception):
        if getattr(exception, "quiet", False):
            return
        logger.error(
            "unhandled %s on %s %s",
            type(exception).__name__,
            request.method,
            request.path,
        )

    def default(self, request, exception):
        """JSON errors for API paths, Sanic's plain page elsewhere."""
        status = getattr(exception, "status_code", 500) or 500
        if request.path.startswith(("/api/", "/chat/api")):
            self.log(request, exception)
            key = "bad_request" if 400 <= status < 500 else "server_error"
            return json({"error": key, "message": load_messages()[key]}, status=status)
        return super().default(request, exception)


class ConsoleState:
    """What the handlers share: settings, backends (lazily built) and auth."""

    def __init__(
        self,
        settings: Settings,
        catalogue: Any = None,
        dossier_client: Any = None,
        report_fn: ReportFn | None = None,
        answer_fn: Callable[[Any], str] | None = None,
    ) -> None:
        """Keep the injected backends; missing ones are built on first use."""
        self.settings = settings
        self.messages = load_messages()
        self._catalogue = catalogue
        self._dossier_client = dossier_client
        self._report_fn = report_fn
        self._answer_fn = answer_fn
        key = settings.console_access_key
        self.signer = SessionSigner(key) if key else None
        self.throttle = LoginThrottle()
        self.chat = RasaChatProxy(
            settings.rasa_url,
            self.messages["chat_unavailable"].format(hotline=HOTLINE),
        )

    @property
    def catalogue(self) -> Any:
        """The procedure catalogue, loaded on first use."""
        if self._catalogue is None:
            from bot.catalogue import load_catalogue

            started = time.perf_counter()
            self._catalogue = load_catalogue()
            logger.info("catalogue loaded in %.2fs", time.perf_counter() - started)
        return self._catalogue

    @property
    def dossier_client(self) -> Any:
        """The one-stop dossier client, built from settings on first use."""
        if self._dossier_client is None:
            from bot.dossier.client import DossierClient

            self._dossier_client = DossierClient.from_settings(self.settings)
        return self._dossier_client

    @property
    def report_fn(self) -> ReportFn:
        """The function that builds the citizens' questions report."""
        if self._report_fn is None:
            from bot.feedback.report import build_report

            self._report_fn = build_report
        return self._report_fn

    @property
    def answer_fn(self) -> Callable[[Any], str]:
        """The function that writes a procedure's ready-to-send answer."""
        if self._answer_fn is None:
            from bot.catalogue.answers import answer_text

            self._answer_fn = answer_text
        return self._answer_fn


def _state(request: Request) -> ConsoleState:
    return request.app.ctx.console


def _is_staff(request: Request) -> bool:
    signer = _state(request).signer
    if signer is None:
        return False
    header = request.headers.get(HEADER_NAME)
    if header is not None:
        return signer.check_key(header)
    return signer.verify(request.cookies.get(COOKIE_NAME))


def staff_api(handler):
    """Guard an API handler: 503 without a configured key, 401 without a session."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        state = _state(request)
        if state.signer is None:
            return json(
                {"error": "console_disabled", "message": state.messages["disabled"]},
                status=503,
            )
        if not _is_staff(request):
            return json(
                {"error": "unauthorized", "message": state.messages["unauthorized"]},
                status=401,
            )
        return await handler(request, *args, **kwargs)

    return wrapper


def _disabled_page(state: ConsoleState) -> HTTPResponse:
    return html_response(render_page("disabled.html", state.messages["disabled"]), 503)


def _client_id(request: Request) -> str:
    return request.ip or "unknown"


def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        return max(low, min(high, int(raw)))
    except ValueError:
        return default


async def _in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking I/O (requests, SQL) without stalling the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(func, *args, **kwargs))


# --- pages -------------------------------------------------------------------


async def console_page(request: Request) -> HTTPResponse:
    """The staff console, for signed-in staff."""
    state = _state(request)
    if state.signer is None:
        return _disabled_page(state)
    if not _is_staff(request):
        return redirect("/login", status=303)
    return html_response(_page_template("console.html"))


async def login_page(request: Request) -> HTTPResponse:
    """The sign-in form."""
    state = _state(request)
    if state.signer is None:
        return _disabled_page(state)
    if _is_staff(request):
        return redirect("/", status=303)
    return html_response(render_page("login.html"))


async def login_submit(request: Request) -> HTTPResponse:
    """Check the submitted key; on success set the session cookie."""
    state = _state(request)
    if state.signer is None:
        return _disabled_page(state)
    client = _client_id(request)
    if state.throttle.blocked(client):
        return html_response(
            render_page("login.html", state.messages["too_many_attempts"]), 429
        )
    form = parse_qs(request.body.decode("utf-8", "replace"))
    candidate = (form.get("key") or [""])[0]
    if not state.signer.check_key(candidate):
        state.throttle.failed(client)
        logger.info("console login refused")
        return html_response(
            render_page("login.html", state.messages["wrong_key"]), 401
        )
    state.throttle.succeeded(client)
    response = redirect("/", status=303)
    response.cookies[COOKIE_NAME] = state.signer.issue()
    cookie = response.cookies[COOKIE_NAME]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = state.signer.ttl
    if request.scheme == "https":
        cookie["secure"] = True
    logger.info("console login accepted")
    return response


async def logout(request: Request) -> HTTPResponse:
    """End the session."""
    response = redirect("/login", status=303)
    response.cookies[COOKIE_NAME] = ""
    response.cookies[COOKIE_NAME]["max-age"] = 0
    response.cookies[COOKIE_NAME]["path"] = "/"
    return response


async def chat_page(request: Request) -> HTTPResponse:
    """The public web chat page."""
    return html_response(_page_template("chat.html"))


async def healthz(request: Request) -> HTTPResponse:
    """Liveness probe."""
    return json({"status": "ok"})


async def no_icon(request: Request) -> HTTPResponse:
    """No favicon (saves a 404 in the browser console)."""
    return empty(status=204)


# --- API -----------------------------------------------------------------------


def _hit_json(hit: Any) -> Dict[str, Any]:
    proc = hit.procedure
    return {
        "code": proc.code,
        "name": proc.name,
        "short_name": getattr(proc, "short_name", "") or "",
        "agency": getattr(proc, "agency", "") or "",
        "levels": list(getattr(proc, "levels", []) or []),
        "score": round(float(hit.score), 3),
    }


def _catalogue(state: ConsoleState) -> Any:
    try:
        return state.catalogue
    except Exception as exc:
        logger.error("catalogue unavailable: %s", type(exc).__name__)
        return None


def _catalogue_unavailable(state: ConsoleState) -> HTTPResponse:
    message = state.messages["catalogue_unavailable"]
    return json({"error": "catalogue_unavailable", "message": message}, status=503)


@staff_api
async def api_search(request: Request) -> HTTPResponse:
    """Ranked procedures for ``q``."""
    state = _state(request)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
    top = _int_arg(request, "top", DEFAULT_TOP, 1, MAX_TOP)
    if not query:
        return json({"query": "", "results": []})
    catalogue = _catalogue(state)
    if catalogue is None:
        return _catalogue_unavailable(state)
    started = time.perf_counter()
    hits = catalogue.search(query, top=top)
    took = (time.perf_counter() - started) * 1000
    return json(
        {
            "query": query,
            "results": [_hit_json(hit) for hit in hits],
            "took_ms": round(took, 2),
        }
    )


@staff_api
async def api_procedure(request: Request, code: str) -> HTTPResponse:
    """One procedure with its ready-to-send answer text."""
    state = _state(request)
    catalogue = _catalogue(state)
    if catalogue is None:
        return _catalogue_unavailable(state)
    proc = catalogue.get(code.strip()[:MAX_CODE_CHARS])
    if proc is None:
        return json(
            {"error": "not_found", "message": state.messages["procedure_not_found"]},
            status=404,
        )
    return json(
        {"procedure": to_jsonable(proc.to_dict()), "answer_text": state.answer_fn(proc)}
    )


def _dossier_error(state: ConsoleState, key: str, status: int) -> HTTPResponse:
    return json(
        {"error": key, "message": state.messages["dossier_" + key]}, status=status
    )


@staff_api
async def api_dossier(request: Request) -> HTTPResponse:
    """Dossier status; owner details only with the citizen's verification value."""
    from bot.dossier.client import (
        DossierBadResponse,
        DossierNotFound,
        DossierUnavailable,
        InvalidDossierCode,
        VerificationFailed,
    )
    from bot.dossier.codes import extract_code
    from bot.dossier.lookup import fee_text

    state = _state(request)
    raw_code = (request.args.get("code") or "").strip()[:MAX_CODE_CHARS]
    verify = (request.args.get("verify") or "").strip()[:MAX_VERIFY_CHARS] or None
    if not raw_code:
        return _dossier_error(state, "code_missing", 400)
    code = extract_code(raw_code)
    if not code:
        return _dossier_error(state, "invalid_code", 400)
    try:
        dossier = await _in_thread(state.dossier_client.get, code, verify=verify)
    except InvalidDossierCode:
        return _dossier_error(state, "invalid_code", 400)
    except DossierNotFound:
        return _dossier_error(state, "not_found", 404)
    except VerificationFailed as exc:
        if exc.locked:
            return _dossier_error(state, "verification_locked", 429)
        return _dossier_error(state, "verification_failed", 403)
    except DossierUnavailable:
        return _dossier_error(state, "unavailable", 503)
    except DossierBadResponse:
        return _dossier_error(state, "bad_response", 502)
    data = to_jsonable(dossier)
    if verify is None:
        data["owner"] = None
    data["verified"] = data.get("owner") is not None
    # The same wording of the financial obligation as the bot's answer.
    data["fee_text"] = fee_text(dossier.fee_due, dossier.fee_amount)
    return json({"dossier": data})


@staff_api
async def api_report(request: Request) -> HTTPResponse:
    """Most asked procedures, unanswered questions and satisfaction."""
    state = _state(request)
    days = _int_arg(request, "days", DEFAULT_REPORT_DAYS, 1, MAX_REPORT_DAYS)
    top = _int_arg(request, "top", DEFAULT_TOP, 1, MAX_TOP)
    report_fn = state.report_fn
    kwargs: Dict[str, Any] = {"days": days, "top": top}
    if "catalogue" in inspect.signature(report_fn).parameters:
        # Lets the report name procedures the way the catalogue does.
        kwargs["catalogue"] = _catalogue(state)
    try:
        report = await _in_thread(report_fn, state.settings.tracker_db_url, **kwargs)
    except Exception as exc:
        logger.error("report unavailable: %s", type(exc).__name__)
        message = state.messages["report_unavailable"]
        return json({"error": "report_unavailable", "message": message}, status=503)
    from bot.feedback.report import mask_personal

    report = to_jsonable(report)
    # The report masks numbers already; a second pass guards any other report_fn.
    for item in report.get("unanswered") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            item["text"] = mask_personal(item["text"])
    return json(report)


async def chat_api(request: Request) -> HTTPResponse:
    """Relay one chat message to Rasa's REST channel."""
    state = _state(request)
    try:
        body = parse_chat_request(request.json)
    except (ChatRequestError, InvalidUsage) as exc:
        logger.info("chat request refused: %s", type(exc).__name__)
        return json(
            {"error": "bad_request", "message": state.messages["chat_bad_request"]},
            status=400,
        )
    replies = await state.chat.send(body["sender"], body["message"])
    return json(replies)


# --- middleware ------------------------------------------------------------------


async def _start_timer(request: Request) -> None:
    request.ctx.started = time.perf_counter()


async def _finish(request: Request, response: HTTPResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    is_chat = request.path.startswith("/chat")
    headers.setdefault(
        "Content-Security-Policy", _CHAT_CSP if is_chat else _CONSOLE_CSP
    )
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    started = getattr(request.ctx, "started", None)
    took = (time.perf_counter() - started) * 1000 if started else 0.0
    # Path only: query strings may carry a dossier's verification value.
    access_logger.info(
        "%s %s %s %.1fms", request.method, request.path, response.status, took
    )


async def _close_chat(app: Sanic, _loop) -> None:
    await app.ctx.console.chat.close()


def _warm_up(app: Sanic, _loop) -> None:
    try:
        # The first search builds the catalogue's indexes (a few hundred ms).
        app.ctx.console.catalogue.search("thủ tục", top=1)
    except Exception as exc:
        logger.error("catalogue could not be loaded: %s", type(exc).__name__)


_app_counter = 0


def create_app(
    settings: Settings | None = None,
    catalogue: Any = None,
    dossier_client: Any = None,
    report_fn: ReportFn | None = None,
    answer_fn: Callable[[Any], str] | None = None,
    warm_up: bool = True,
) -> Sanic:
    """Build the console app.

    Args:
        settings: Configuration (default: from the environment).
        catalogue: A loaded catalogue (default: ``load_catalogue()`` at start).
        dossier_client: A dossier client (default: ``DossierClient.from_settings``).
        report_fn: ``build_report(db_url, days=, top=)`` (default: the real one).
        answer_fn: ``answer_text(procedure)`` (default: the catalogue's).
        warm_up: Load the catalogue before serving, so the first search is fast.

    Returns:
        The Sanic application, under a unique name so tests can build many.
    """
    global _app_counter
    _app_counter += 1
    app = Sanic(
        f"citizen_bot_console_{_app_counter}",
        configure_logging=False,
        error_handler=PrivateErrorHandler(),
    )
    app.config.ACCESS_LOG = False
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.ctx.console = ConsoleState(
        settings or Settings.from_env(), catalogue, dossier_client, report_fn, answer_fn
    )

    app.add_route(console_page, "/", methods=["GET"])
    app.add_route(login_page, "/login", methods=["GET"])
    app.add_route(login_submit, "/login", methods=["POST"], name="login_submit")
    app.add_route(logout, "/logout", methods=["POST"])
    app.add_route(api_search, "/api/search", methods=["GET"])
    app.add_route(api_procedure, "/api/procedure/<code:str>", methods=["GET"])
    app.add_route(api_dossier, "/api/dossier", methods=["GET"])
    app.add_route(api_report, "/api/report", methods=["GET"])
    app.add_route(chat_page, "/chat", methods=["GET"])
    app.add_route(chat_api, "/chat/api", methods=["POST"])
    app.add_route(healthz, "/healthz", methods=["GET"])
    app.add_route(no_icon, "/favicon.ico", methods=["GET"])
    app.static("/static", str(STATIC_DIR), name="static")

    app.register_middleware(_start_timer, "request")
    app.register_middleware(_finish, "response")
    app.register_listener(_close_chat, "after_server_stop")
    if warm_up:
        app.register_listener(_warm_up, "before_server_start")
    return app
