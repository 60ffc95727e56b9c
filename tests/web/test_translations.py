"""Every user-facing string exists in French and in English.

Checked from both ends: the catalogs (same keys, same placeholders, nothing empty) and
the code that uses them (every key a template or a page names is in the catalog).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from dsn.security.roles import ROLES
from dsn.web import auth_i18n
from dsn.web.clinical.consent_status import CATEGORY_LABELS
from dsn.web.messages import AREAS, catalog
from dsn.web.page import NAV

WEB = Path(__file__).resolve().parents[2] / "src" / "dsn" / "web"
TEMPLATE_KEY = re.compile(r"""\bt\(\s*['"]([a-z0-9_]+)['"]\s*[,)]""")
CODE_KEY = re.compile(r"""(?:message_key|_key|WebError\(\s*\d+\s*,)\s*=?\s*['"]([a-z0-9_]+)['"]""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("area", sorted(AREAS))
def test_each_catalog_has_the_same_keys_in_french_and_english(area: str) -> None:
    messages = AREAS[area]
    assert set(messages) == {"fr", "en"}
    assert sorted(set(messages["fr"]) ^ set(messages["en"])) == []


@pytest.mark.parametrize("area", sorted(AREAS))
def test_no_message_is_empty_and_placeholders_match(area: str) -> None:
    messages = AREAS[area]
    for key, french in messages["fr"].items():
        english = messages["en"][key]
        assert french.strip() and english.strip(), key
        assert _placeholders(french) == _placeholders(english), key


def test_keys_are_not_defined_twice_across_areas() -> None:
    seen: dict[str, str] = {}
    for area, messages in AREAS.items():
        for key in messages["fr"]:
            assert key not in seen, f"'{key}' is in both {seen.get(key)} and {area}"
            seen[key] = area


def test_login_page_catalog_is_complete_in_both_languages() -> None:
    assert set(auth_i18n.MESSAGES["fr"]) == set(auth_i18n.MESSAGES["en"])


def test_every_key_a_template_uses_exists() -> None:
    known = set(catalog("fr"))
    missing = []
    for template in sorted((WEB / "templates" / "web").rglob("*.html")):
        for key in TEMPLATE_KEY.findall(template.read_text(encoding="utf-8")):
            if key not in known:
                missing.append(f"{template.name}: {key}")
    assert missing == []


def test_every_key_the_page_code_names_exists() -> None:
    known = set(catalog("fr"))
    missing = []
    for module in sorted(WEB.rglob("*.py")):
        for key in CODE_KEY.findall(module.read_text(encoding="utf-8")):
            if key not in known:
                missing.append(f"{module.name}: {key}")
    assert missing == []


def test_roles_and_navigation_are_named_in_both_languages() -> None:
    for language in ("fr", "en"):
        messages = catalog(language)
        for role in ROLES:
            assert f"role_{role}" in messages
        for label in CATEGORY_LABELS:
            assert f"category_{label}" in messages
        for gender in ("male", "female", "other", "unknown"):
            assert f"gender_{gender}" in messages
        for entries in NAV.values():
            for _, key in entries:
                assert key in messages
