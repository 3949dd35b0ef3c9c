"""Data classes of the procedure catalogue.

A :class:`Procedure` is one administrative procedure (thủ tục hành chính) as
imported from the National Public Service Portal, plus the curated overlay
(aliases, short name, notes). Every class round-trips through plain dicts so the
catalogue can be stored as JSON and handed to the console or the CLI.
"""

from __future__ import annotations

import dataclasses as dc
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Dict, List

#: Channel kinds, keyed by the portal's label.
CHANNEL_KINDS: Dict[str, str] = {
    "Trực tiếp": "in_person",
    "Trực tuyến": "online",
    "Dịch vụ bưu chính": "postal",
}

#: Marker for a processing time whose unit the portal does not give.
UNIT_UNKNOWN = "unknown"

#: Fields stored as one JSON string per record and parsed on first access, so the
#: catalogue loads fast and only the procedures actually shown pay for parsing.
DETAIL_FIELDS = (
    "procedure_type",
    "decision",
    "competent_authority",
    "who",
    "steps",
    "conditions",
    "result",
    "result_description",
    "channels",
    "documents",
    "legal_basis",
)

#: Implementing levels where citizens usually file (two-tier local government).
CITIZEN_LEVELS = ("Cấp xã", "Cấp tỉnh")
MINISTRY_LEVEL = "Cấp bộ"


@dataclass
class Channel:
    """One way to file: in person, online or by post, with its time and fee."""

    kind: str
    label: str
    time_value: float | None = None
    time_unit: str | None = None
    time_text: str = ""
    fee_text: str = ""
    fee_amount: float | None = None
    fee_currency: str | None = None
    description: str = ""


@dataclass
class Document:
    """One document of the dossier (thành phần hồ sơ)."""

    name: str
    form: str = ""
    copies: str = ""
    group: str = ""


@dataclass
class LegalDoc:
    """One legal document the procedure rests on (căn cứ pháp lý)."""

    name: str
    number: str = ""


@dataclass
class ImportStatus:
    """How completely the importer understood a portal record."""

    status: str = "complete"
    missing: List[str] = dc.field(default_factory=list)
    problems: List[str] = dc.field(default_factory=list)


@dataclass
class Procedure:
    """One administrative procedure with everything a citizen asks about."""

    code: str
    name: str
    url: str
    short_name: str = ""
    levels: List[str] = dc.field(default_factory=list)
    field: str = ""
    ministry: str = ""
    procedure_type: str = ""
    decision: str = ""
    agency: str = ""
    competent_authority: str = ""
    address: str = ""
    who: str = ""
    steps: str = ""
    conditions: str = ""
    result: List[str] = dc.field(default_factory=list)
    result_description: str = ""
    channels: List[Channel] = dc.field(default_factory=list)
    documents: List[Document] = dc.field(default_factory=list)
    legal_basis: List[LegalDoc] = dc.field(default_factory=list)
    aliases: List[str] = dc.field(default_factory=list)
    notes: List[Dict[str, str]] = dc.field(default_factory=list)
    popularity: float = 0.0
    source: Dict[str, str] = dc.field(default_factory=dict)
    collected: Dict[str, str] = dc.field(default_factory=dict)
    import_status: ImportStatus = dc.field(default_factory=ImportStatus)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: a detail field not parsed yet.
        details = self.__dict__.get("_details")
        if name in DETAIL_FIELDS and details is not None:
            self._hydrate(details)
            return self.__dict__[name]
        raise AttributeError(name)

    def _hydrate(self, details: str) -> None:
        data = json.loads(details)
        values = _detail_values(data)
        for key in DETAIL_FIELDS:
            self.__dict__.setdefault(key, values[key])
        self.__dict__.pop("_details", None)

    @property
    def online(self) -> bool:
        """True when the portal lists an online channel for this procedure."""
        return any(c.kind == "online" for c in self.channels)

    @property
    def display_name(self) -> str:
        """The plain-language short name when curated, else the portal name."""
        return self.short_name or self.name

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-safe dict (the stored form, plus ``online``)."""
        data = asdict(self)
        data["online"] = self.online
        return data

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Procedure:
        """Rebuild a procedure from :meth:`to_dict` output (extra keys ignored)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs.update(_detail_values(data))
        kwargs["import_status"] = ImportStatus(**data.get("import_status", {}))
        return cls(**kwargs)

    @classmethod
    def from_stored(cls, data: Dict[str, Any]) -> Procedure:
        """A procedure from the data file, its ``details`` string parsed lazily."""
        details = data.get("details")
        if details is None:
            return cls.from_dict(data)
        known = {f.name for f in fields(cls)} - set(DETAIL_FIELDS)
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["import_status"] = ImportStatus(**data.get("import_status", {}))
        proc = cls(**kwargs)
        for key in DETAIL_FIELDS:
            del proc.__dict__[key]
        proc.__dict__["_details"] = details
        return proc


# dataclass keeps plain defaults ("") as class attributes, which would answer for
# a lazy instance's missing detail fields before __getattr__ is consulted; the
# generated __init__ has its own copy of the defaults, so they can go.
for _name in DETAIL_FIELDS:
    if _name in Procedure.__dict__:
        delattr(Procedure, _name)


def _detail_values(data: Dict[str, Any]) -> Dict[str, Any]:
    """Detail fields of a plain dict, with nested rows turned into objects."""
    values = {k: data[k] for k in DETAIL_FIELDS if k in data}
    values["channels"] = [Channel(**c) for c in data.get("channels", [])]
    values["documents"] = [Document(**d) for d in data.get("documents", [])]
    values["legal_basis"] = [LegalDoc(**d) for d in data.get("legal_basis", [])]
    defaults = {f.name: f for f in fields(Procedure)}
    for key in DETAIL_FIELDS:
        if key not in values:
            f = defaults[key]
            values[key] = (
                f.default_factory()
                if f.default_factory is not dc.MISSING
                else f.default
            )
    return values
