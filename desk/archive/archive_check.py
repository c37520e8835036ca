"""The four-property check of an export (DA/T 70-2018): authenticity, integrity, usability, security.

- authenticity: every file still has the SHA-256 it is named by;
- integrity: every checklist material is present (captured in the export, or accounted for by the
  caller: proven by data, or deferred on the customer's promise, 容缺) and each document's pages
  are numbered 1..n;
- usability: every file opens (images decode, text is UTF-8, word boxes are JSON);
- security: the access log holds the reads of this customer or case (this export included).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from desk.archive.store_protocol import ArchiveStore
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.security.access_log import AccessLog


@dataclass
class ExportItem:
    """One document of an export with its pages in order."""

    document: ArchiveDocument
    pages: list[ArchivePage]


def _authenticity(store: ArchiveStore, items: Sequence[ExportItem]) -> dict:
    bad = []
    for item in items:
        for page in item.pages:
            for key in page.file_keys():
                if store.sha256_of_key(key) != key.partition(".")[0]:  # None: missing
                    bad.append(key)
    return {"ok": not bad, "mismatched_or_missing": bad}


CAPTURED, MISSING = "captured", "missing"


def _integrity(
    items: Sequence[ExportItem], required_materials: Sequence[str] | None, accounted: Mapping[str, str]
) -> dict:
    gaps = [
        item.document.id
        for item in items
        if [page.page_no for page in item.pages] != list(range(1, item.document.page_count + 1))
    ]
    present = {item.document.material_code for item in items if item.document.material_code}
    # A captured document in the export wins over what the caller says; otherwise the caller's word.
    materials = {
        code: CAPTURED if code in present else accounted.get(code, MISSING)
        for code in dict.fromkeys(required_materials or ())
    }
    missing = [code for code, how in materials.items() if how == MISSING]
    return {
        "ok": not gaps and not missing,
        "documents_with_page_gaps": gaps,
        "missing_materials": missing,
        "materials": materials,
        "checklist_supplied": required_materials is not None,
    }


def _opens(store: ArchiveStore, key: str) -> bool:
    ext = key.rpartition(".")[2]
    try:
        data = store.read(key)
        if ext == "txt":
            data.decode("utf-8")
        elif ext == "json":
            json.loads(data)
        else:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
        return True
    except Exception:
        return False


def _usability(store: ArchiveStore, items: Sequence[ExportItem]) -> dict:
    broken = [key for item in items for page in item.pages for key in page.file_keys() if not _opens(store, key)]
    return {"ok": not broken, "unreadable": broken}


def _security(session: Session, items: Sequence[ExportItem]) -> dict:
    people = {item.document.person_id for item in items}
    cases = {item.document.case_no for item in items if item.document.case_no}
    condition: ColumnElement[bool] = col(AccessLog.person_id).in_(people)
    if cases:
        condition = or_(condition, col(AccessLog.case_no).in_(cases))
    entries = session.exec(select(func.count()).select_from(AccessLog).where(condition)).one()
    return {"ok": entries > 0, "access_log_entries": entries}


def check_export(
    session: Session,
    store: ArchiveStore,
    items: Sequence[ExportItem],
    *,
    required_materials: Sequence[str] | None = None,
    accounted_materials: Mapping[str, str] | None = None,
) -> dict:
    """The machine-readable check report of the four archive properties.

    `required_materials` are the checklist's codes; `accounted_materials` says how a material with
    no document stands (code -> e.g. "proven" or "deferred"); any other required code not captured
    in `items` is missing.
    """
    parts = {
        "authenticity": _authenticity(store, items),
        "integrity": _integrity(items, required_materials, accounted_materials or {}),
        "usability": _usability(store, items),
        "security": _security(session, items),
    }
    return {**parts, "ok": all(part["ok"] for part in parts.values())}
