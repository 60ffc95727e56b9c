"""The web application's languages: French by default, English on a switch that is remembered.

Messages live in :mod:`dsn.web.messages`, one catalog per area of the application
(common, chart, portal, privacy), each with the same keys in ``fr`` and ``en`` (a test
checks every key of every catalog, and every key the templates use). The language comes
from ``?lang=``, then the ``dsn_lang`` cookie shared with the login page, then French,
Quebec's official language.
"""

from __future__ import annotations

from datetime import date, datetime

from dsn.web.auth_i18n import COOKIE, DEFAULT_LANGUAGE, LANGUAGES, choose_language
from dsn.web.formatting import format_date, format_datetime, format_number
from dsn.web.messages import catalog

__all__ = ["COOKIE", "DEFAULT_LANGUAGE", "LANGUAGES", "Translator", "choose_language"]


class Translator:
    """``t("key", name=value)`` in one language, plus the language's date and number formats.

    A missing key renders as the key itself rather than failing the page; the catalog
    test is what keeps that from reaching users.
    """

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.messages = catalog(self.language)

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages.get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def date(self, value: str | date | None) -> str:
        return format_date(value, self.language)

    def datetime(self, value: str | datetime | None) -> str:
        return format_datetime(value, self.language)

    def number(self, value: float | int | None, decimals: int | None = None) -> str:
        return format_number(value, self.language, decimals)

    @property
    def other_language(self) -> str:
        return "en" if self.language == "fr" else "fr"
