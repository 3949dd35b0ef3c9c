"""Administrative procedure catalogue imported from the National Public Service Portal.

Usage::

    from bot.catalogue import load_catalogue

    cat = load_catalogue()          # cached: data file + curated overlay
    cat.get("1.001193")             # Procedure | None
    cat.search("làm hộ chiếu ở đâu")  # list[SearchHit]
    cat.resolve("cccd")             # Resolution(status, best, candidates)
"""

from bot.catalogue.model import Channel, Document, ImportStatus, LegalDoc, Procedure
from bot.catalogue.search import Resolution, SearchHit
from bot.catalogue.store import Catalogue, CatalogueError, load_catalogue

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Channel",
    "Document",
    "ImportStatus",
    "LegalDoc",
    "Procedure",
    "Resolution",
    "SearchHit",
    "load_catalogue",
]
