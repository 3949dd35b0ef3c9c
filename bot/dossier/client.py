"""Client of the one-stop dossier API v1 (the reference service or a city's adapter).

Usage::

    client = DossierClient.from_settings(Settings.from_env())
    try:
        dossier = client.get("000.00.21.H26-261009-0011", verify="1111")
    except DossierNotFound: ...
    except DossierUnavailable: ...   # apologise: the citizen gets an answer in < 5 s

Every call has a timeout; reads are retried a bounded number of times with
exponential backoff, and the whole call, retries included, never takes longer
than ``total_timeout`` (4.5 s by default). Nothing personal is logged: not the
verification digits, not the owner.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Dict, Mapping, Tuple

import requests

from bot.dossier.codes import extract_code, is_valid_code
from bot.dossier.statuses import STATUS_LABELS, is_valid_status

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 3.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.2
DEFAULT_TOTAL_TIMEOUT = 4.5
"""Worst case of one call, retries and backoff included: under the 5 s promise."""
CONNECT_TIMEOUT = 1.0
MAX_BODY_BYTES = 256 * 1024
RETRY_STATUSES = frozenset({502, 503, 504})
API_PREFIX = "/api/v1"
API_KEY_HEADER = "X-API-Key"
VERIFY_HEADER = "X-Dossier-Verify"


class DossierError(Exception):
    """A dossier lookup failed."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


class DossierNotFound(DossierError):
    """No dossier has this code."""


class InvalidDossierCode(DossierError):
    """The code is not a well-formed dossier code with a real date."""


class VerificationFailed(DossierError):
    """The verification digits do not match, or verification is locked for now."""

    def __init__(self, reason: str = "", retry_after: int | None = None):
        super().__init__(reason)
        self.retry_after = retry_after

    @property
    def locked(self) -> bool:
        """Too many wrong attempts: the service refuses to verify until later."""
        return self.retry_after is not None


class DossierUnavailable(DossierError):
    """The service is down, too slow, misconfigured or answering 5xx."""


class DossierBadResponse(DossierError):
    """The service answered something that is not a valid API v1 answer."""


@dataclass(frozen=True)
class Dossier:
    """One dossier's status as API v1 returns it."""

    code: str
    status: int
    status_label: str
    procedure_name: str
    agency: str
    procedure_code: str | None = None
    received_at: date | None = None
    due_at: date | None = None
    finished_at: date | None = None
    missing_documents: Tuple[str, ...] = ()
    fee_due: str | None = None
    fee_amount: int | None = None
    note: str | None = None
    overdue: bool = False
    days_overdue: int | None = None
    updated_at: datetime | None = None
    # Only after a matching verification: {"name": "Nguyễn V*** A***"} (masked).
    owner: Dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, data: Any, verified: bool = False) -> Dossier:
        """Validate an API answer.

        Args:
            data: the decoded JSON body.
            verified: the request carried a verification; otherwise any
                ``owner`` in the answer is dropped.

        Raises:
            DossierBadResponse: a required field is missing or has the wrong type.
        """
        if not isinstance(data, dict):
            raise DossierBadResponse("the body is not a JSON object")
        status = data.get("status")
        if not is_valid_status(status):
            raise DossierBadResponse("'status' is not a status number 1-10")
        code = data.get("code")
        if not isinstance(code, str) or not is_valid_code(code.upper()):
            raise DossierBadResponse("'code' is missing or malformed")
        documents = data.get("missing_documents") or []
        if not isinstance(documents, list) or not all(
            isinstance(d, str) for d in documents
        ):
            raise DossierBadResponse("'missing_documents' is not a list of strings")
        owner = None
        if verified and isinstance(data.get("owner"), dict):
            owner = {"name": _opt_str(data["owner"], "name")}
        label = _opt_str(data, "status_label") or STATUS_LABELS[status]
        return cls(
            code=code.upper(),
            status=status,
            status_label=label,
            procedure_name=_req_str(data, "procedure_name"),
            agency=_req_str(data, "agency"),
            procedure_code=_opt_str(data, "procedure_code"),
            received_at=_opt_date(data, "received_at"),
            due_at=_opt_date(data, "due_at"),
            finished_at=_opt_date(data, "finished_at"),
            missing_documents=tuple(documents),
            fee_due=_opt_str(data, "fee_due"),
            fee_amount=_opt_int(data, "fee_amount"),
            note=_opt_str(data, "note"),
            overdue=_bool(data, "overdue"),
            days_overdue=_opt_int(data, "days_overdue"),
            updated_at=_opt_datetime(data, "updated_at"),
            owner=owner,
        )

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready form (ISO dates), as ``citizen-bot dossier --json`` prints it."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, (date, datetime)):
                out[key] = value.isoformat()
        out["missing_documents"] = list(self.missing_documents)
        return out


def _req_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise DossierBadResponse(f"'{key}' is missing or not a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise DossierBadResponse(f"'{key}' is not a string")
    return value or None


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise DossierBadResponse(f"'{key}' is not an integer")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise DossierBadResponse(f"'{key}' is not a boolean")
    return value


def _opt_date(data: Mapping[str, Any], key: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        # An adapter may send a date-time; the day is what matters.
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise DossierBadResponse(f"'{key}' is not a date") from exc


def _opt_datetime(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise DossierBadResponse(f"'{key}' is not a date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def normalize_code(code: str) -> str:
    """The canonical form of ``code``; raises :class:`InvalidDossierCode`."""
    found = extract_code(code)
    if found is None or not is_valid_code(found):
        raise InvalidDossierCode("not a dossier code with a real date")
    return found


class DossierClient:
    """Reads dossiers from API v1 over HTTP.

    Args:
        base_url: the service's root, e.g. ``http://127.0.0.1:5080``.
        api_key: sent as ``X-API-Key`` when set (a city's adapter may want it).
        timeout: seconds allowed for one HTTP attempt.
        retries: extra attempts of a read after a connection error, a timeout
            or a 502/503/504.
        backoff: seconds before the first retry, doubled for each next one.
        session: the ``requests`` session to use (tests inject one).
        total_timeout: ceiling of a whole call, retries and backoff included.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        session: requests.Session | None = None,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.total_timeout = float(total_timeout)
        self.session = session or requests.Session()

    @classmethod
    def from_settings(
        cls, settings: Any, session: requests.Session | None = None
    ) -> DossierClient:
        """A client configured by ``bot.settings.Settings``."""
        return cls(
            settings.dossier_api_url,
            api_key=settings.dossier_api_key,
            timeout=settings.dossier_timeout,
            session=session,
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def __enter__(self) -> DossierClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def health(self) -> bool:
        """Whether the service answers its health check, within one timeout."""
        try:
            status, body, _ = self._request(f"{API_PREFIX}/health", {}, retries=0)
        except DossierError:
            return False
        return status == 200 and isinstance(body, dict) and body.get("status") == "ok"

    def get(self, code: str, verify: str | None = None) -> Dossier:
        """The dossier ``code``; with ``verify`` (last 4 phone digits), its owner too.

        Raises:
            InvalidDossierCode: ``code`` is malformed (no request is made).
            DossierNotFound: no such dossier.
            VerificationFailed: ``verify`` does not match, or verification of
                this dossier is locked (``retry_after`` says for how long).
            DossierUnavailable: the service is down, slow, or failing.
            DossierBadResponse: the answer is not valid API v1 JSON.
        """
        code = normalize_code(code)
        headers: Dict[str, str] = {}
        if verify is not None:
            digits = re.sub(r"\s", "", str(verify))
            if not re.fullmatch(r"\d{4}", digits):
                raise VerificationFailed("the verification must be 4 digits")
            headers[VERIFY_HEADER] = digits
        status, body, response_headers = self._request(
            f"{API_PREFIX}/dossiers/{code}", headers, retries=self.retries
        )
        error = body.get("error") if isinstance(body, dict) else None
        if status == 200:
            dossier = Dossier.from_json(body, verified=verify is not None)
            if dossier.code != code:
                raise DossierBadResponse("the answer is about another dossier")
            logger.debug("dossier %s: status %d", code, dossier.status)
            return dossier
        logger.info("dossier %s: HTTP %d %s", code, status, error or "")
        if status == 404 and error == "not_found":
            raise DossierNotFound(f"no dossier {code}")
        if status == 400 and error == "invalid_code":
            raise InvalidDossierCode("the service rejects the code")
        if status == 403 and error == "verification_failed":
            raise VerificationFailed("the verification does not match")
        if status == 429 and verify is not None:
            raise VerificationFailed(
                "verification locked", retry_after=_retry_after(response_headers)
            )
        if status >= 500 or status in (401, 403, 404, 429):
            # 401/403 without a verification error, or an unknown endpoint: the
            # client is pointed at the wrong place or with the wrong key; 429
            # without a verification: a gateway in front throttles us.
            raise DossierUnavailable(f"HTTP {status} {error or ''}".strip())
        raise DossierBadResponse(f"unexpected HTTP {status}")

    def _request(
        self, path: str, headers: Dict[str, str], retries: int
    ) -> Tuple[int, Any, Mapping[str, str]]:
        """GET ``path``; returns (status, decoded JSON, headers) within the budget."""
        if self.api_key:
            headers = {**headers, API_KEY_HEADER: self.api_key}
        headers.setdefault("Accept", "application/json")
        url = self.base_url + path
        deadline = time.monotonic() + self.total_timeout
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            per_call = min(self.timeout, remaining)
            error: DossierUnavailable
            try:
                if per_call <= 0:
                    raise requests.Timeout("no time left")
                response = self.session.get(
                    url,
                    headers=headers,
                    timeout=(min(CONNECT_TIMEOUT, per_call), per_call),
                    stream=True,
                    allow_redirects=False,
                )
                try:
                    raw = _read_body(response, deadline)
                finally:
                    response.close()
            except requests.Timeout:
                error = DossierUnavailable("timed out")
            except requests.ConnectionError:
                error = DossierUnavailable("cannot connect")
            except requests.RequestException as exc:
                error = DossierUnavailable(type(exc).__name__)
            else:
                if response.status_code not in RETRY_STATUSES:
                    return (
                        response.status_code,
                        _decode(raw, response),
                        response.headers,
                    )
                error = DossierUnavailable(f"HTTP {response.status_code}")
            attempt += 1
            pause = self.backoff * 2 ** (attempt - 1)
            if attempt > retries or time.monotonic() + pause >= deadline:
                logger.warning("dossier API GET %s failed: %s", path, error.reason)
                raise error
            time.sleep(pause)


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """The body, refusing one too big or too slow to arrive."""
    chunks = []
    size = 0
    for chunk in response.iter_content(chunk_size=16384):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise DossierBadResponse("the body is larger than any API v1 answer")
        if time.monotonic() > deadline:
            raise requests.Timeout("the body arrives too slowly")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(raw: bytes, response: requests.Response) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        if response.status_code == 200:
            raise DossierBadResponse("the body is not JSON") from None
        return None  # an error page from a proxy: the status code says enough


def _retry_after(headers: Mapping[str, str]) -> int:
    try:
        return max(1, int(headers.get("Retry-After", "60")))
    except ValueError:
        return 60
