"""Audit codes in words: actions, event types, outcomes, reasons, decisions, kinds of break.

The codes come from the audit log (:mod:`dsn.audit.record`); the words from the
``privacy`` catalog, except the break-the-glass reasons, whose wording the service
owns (:data:`dsn.service.break_glass.REASONS`) so the clinician who chose one and the
privacy officer who reviews it read the same sentence. A code without words shows as
itself rather than failing the page.
"""

from __future__ import annotations

from typing import Final

from dsn.service.break_glass import REASONS
from dsn.web.i18n import Translator

ACTIONS: Final = ("C", "R", "U", "D", "E")
OUTCOMES: Final = (0, 4, 8, 12)
# Event types a privacy officer searches by, grouped as the search form shows them.
SUBTYPE_GROUPS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "privacy_group_reading",
        (
            "read",
            "vread",
            "search-type",
            "search-system",
            "search-compartment",
            "history-instance",
            "history-type",
            "history-system",
            "$everything",
            "$lastn",
            "$match",
            "$validate",
        ),
    ),
    ("privacy_group_writing", ("create", "update", "patch", "delete", "transaction", "batch", "merge", "unmerge")),
    ("privacy_group_security", ("login", "logout", "token", "break-glass", "consent", "export")),
    ("privacy_group_audit", ("$access-log", "$break-glass-queue", "review", "audit-verify")),
)
SUBTYPES: Final = tuple(code for _, codes in SUBTYPE_GROUPS for code in codes)
BREAK_KINDS: Final = (
    "modified",
    "deleted",
    "inserted",
    "reordered",
    "rewritten",
    "bad-signature",
    "unknown-key",
    "checkpoint-deleted",
    "truncated",
    "head-deleted",
    "patient-index",
)


def slug(code: str) -> str:
    """A code as part of a message key: ``$everything`` → ``op_everything``, ``search-type`` → ``search_type``."""
    text = code.lower()
    if text.startswith("$"):
        text = "op_" + text[1:]
    return "".join(c if c.isalnum() else "_" for c in text)


def _words(t: Translator, key: str, fallback: str) -> str:
    return t(key) if t.has(key) else fallback


def action_label(t: Translator, code: str) -> str:
    return _words(t, f"privacy_action_{slug(code)}", code)


def subtype_label(t: Translator, code: str) -> str:
    return _words(t, f"privacy_subtype_{slug(code)}", code)


def outcome_label(t: Translator, code: int) -> str:
    return _words(t, f"privacy_outcome_{code}", str(code))


def outcome_badge(code: int) -> str:
    """The badge class of an outcome: success, refusal (minor failure), failure."""
    return "ok" if code == 0 else ("warn" if code == 4 else "danger")


def role_label(t: Translator, role: str | None) -> str:
    if not role:
        return ""
    return _words(t, f"role_{role}", role)


def decision_label(t: Translator, decision: str) -> str:
    return _words(t, f"privacy_decision_{slug(decision)}", decision)


def break_label(t: Translator, kind: str) -> str:
    return _words(t, f"privacy_break_{slug(kind)}", kind)


def reason_label(t: Translator, code: str) -> str:
    """A purpose of use / break-the-glass reason in words (``ETREAT`` → "Traitement d'urgence")."""
    words = REASONS.get(code)
    if words is None:
        return code
    return words[0] if t.language == "fr" else words[1]
