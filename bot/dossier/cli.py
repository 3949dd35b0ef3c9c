"""``citizen-bot dossier CODE [--verify NNNN] [--json]``: a dossier's status for staff.

Exit codes: 0 found, 2 malformed code / not found / wrong verification,
3 the one-stop service is unavailable or answers garbage.
"""

from __future__ import annotations

import json
import sys
from typing import Any, List, TextIO

from bot.dossier.client import (
    DossierBadResponse,
    DossierClient,
    DossierError,
    DossierNotFound,
    DossierUnavailable,
    InvalidDossierCode,
    VerificationFailed,
)
from bot.dossier.codes import EXAMPLE_CODE, extract_code, is_valid_code
from bot.dossier.lookup import status_vars
from bot.dossier.messages import fmt
from bot.dossier.statuses import CITIZEN_ACTION_STATUSES, VIETNAM_TZ
from bot.settings import Settings

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


def _code_from_words(words: Any) -> str:
    return " ".join(words) if isinstance(words, (list, tuple)) else str(words or "")


def render(dossier: Any) -> str:
    """The staff-friendly text of a dossier: one labelled line per field."""
    values = status_vars(dossier)
    label = lambda key: fmt("cli", key)  # noqa: E731
    status = f"{dossier.status} · {values['status_label']}"
    if values["overdue"]:
        status += " — " + fmt("cli", "overdue", days=values["days_overdue"])
    if dossier.status in CITIZEN_ACTION_STATUSES:
        status += f" ({label('citizen_action')})"
    parts = (dossier.procedure_code, dossier.procedure_name)
    procedure = " · ".join(p for p in parts if p)
    rows = [
        ("code", dossier.code),
        ("status", status),
        ("procedure", procedure),
        ("agency", values["agency"]),
        ("received", values["received_date"]),
        ("due", values["due_date"]),
        ("finished", values["finished_date"]),
        ("fee", values["fee_due"]),
        ("note", values["note"]),
        ("owner", values["owner_name"]),
    ]
    if dossier.updated_at:
        local = dossier.updated_at.astimezone(VIETNAM_TZ)
        rows.append(("updated", local.strftime("%d/%m/%Y %H:%M")))
    shown = [(label(key), value) for key, value in rows if value]
    width = max(len(name) for name, _ in shown) + 1
    lines = [f"{name + ':':<{width}} {value}" for name, value in shown]
    if values["missing_documents"]:
        lines.append(label("missing_documents") + ":")
        lines.extend("  " + line for line in values["missing_documents"].splitlines())
    return "\n".join(lines)


def cmd_dossier(
    args: Any, client: DossierClient | None = None, out: TextIO | None = None
) -> int:
    """Handle ``citizen-bot dossier``; returns the exit code.

    Args:
        args: parsed arguments with ``code`` (list of words, joined), ``verify``
            and ``json``.
        client: the API client (default: from the environment's settings).
        out: where results go (default stdout); errors go to stderr.
    """
    out = out or sys.stdout
    text = _code_from_words(args.code)
    code = extract_code(text)
    if code is None:
        print(fmt("cli", "errors.no_code", example=EXAMPLE_CODE), file=sys.stderr)
        return EXIT_BAD_INPUT
    if not is_valid_code(code):
        print(
            fmt("cli", "errors.bad_date", code=code, example=EXAMPLE_CODE),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    client = client or DossierClient.from_settings(Settings.from_env())
    try:
        dossier = client.get(code, verify=getattr(args, "verify", None))
    except (DossierNotFound, InvalidDossierCode):
        print(fmt("cli", "errors.not_found", code=code), file=sys.stderr)
        return EXIT_BAD_INPUT
    except VerificationFailed as exc:
        key = "errors.locked" if exc.locked else "errors.verification"
        print(fmt("cli", key, code=code, seconds=exc.retry_after), file=sys.stderr)
        return EXIT_BAD_INPUT
    except DossierBadResponse as exc:
        print(fmt("cli", "errors.bad_response", reason=exc.reason), file=sys.stderr)
        return EXIT_UNAVAILABLE
    except (DossierUnavailable, DossierError) as exc:
        print(fmt("cli", "errors.unavailable", reason=exc.reason), file=sys.stderr)
        return EXIT_UNAVAILABLE
    if getattr(args, "json", False):
        payload = dossier.to_dict()
        payload["days_overdue"] = status_vars(dossier)["days_overdue"]
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(render(dossier) + "\n")
    return EXIT_OK


def main(argv: List[str] | None = None) -> int:
    """Run the command alone (``python -m bot.dossier.cli CODE``)."""
    from bot.cli import build_parser

    return cmd_dossier(build_parser().parse_args(["dossier", *(argv or sys.argv[1:])]))


if __name__ == "__main__":
    sys.exit(main())
