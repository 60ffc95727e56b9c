"""WCAG 2.1 basics checked on a page's HTML: what a screen reader and a keyboard need.

Not a full audit (contrast is settled once in dsn.css, focus order by the document's
order); this catches the mistakes that creep in page by page: a field without a label,
a skipped heading level, a table without header cells, an image without text, an
unnamed button or link, an inline script or style (the CSP would block them anyway).
"""

from __future__ import annotations

from html.parser import HTMLParser

_UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.html_lang: str | None = None
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, dict[str, str | None], bool]] = []
        self.label_depth = 0
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.tables = 0
        self.header_cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if (values.get("style") or "").strip():  # an empty style="" (browsers add some) holds no CSS
            self.problems.append(f"inline style on <{tag} name={values.get('name')}> ({values['style']})")
        if tag == "html":
            self.html_lang = values.get("lang")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        elif tag == "label":
            self.label_depth += 1
            if values.get("for"):
                self.label_for.add(str(values["for"]))
        elif tag in ("input", "select", "textarea"):
            kind = (values.get("type") or "text").lower()
            if tag != "input" or kind not in _UNLABELLED_INPUTS:
                self.fields.append((tag, values, self.label_depth > 0))
        elif tag == "img" and "alt" not in values:
            self.problems.append(f"<img src={values.get('src')}> has no alt")
        elif tag == "script" and not values.get("src"):
            self.problems.append("inline <script>")
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1
        if tag in ("a", "button", "svg"):
            self.open.append((tag, values, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        if self.open and self.open[-1][0] == tag:
            name, values, text = self.open.pop()
            accessible = "".join(text).strip() or values.get("aria-label") or values.get("aria-labelledby")
            if name in ("a", "button") and not accessible:
                self.problems.append(f"<{name}> without an accessible name ({values.get('href') or ''})")
            if name == "svg" and values.get("role") == "img" and not accessible:
                self.problems.append("<svg role=img> without a title or label")

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)


def accessibility_problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    problems = list(page.problems)
    if not page.html_lang:
        problems.append("<html> has no lang")
    if page.headings.count(1) != 1:
        problems.append(f"{page.headings.count(1)} <h1> on the page (want 1)")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading level jumps from h{before} to h{after}")
    for tag, values, wrapped in page.fields:
        named = wrapped or values.get("aria-label") or values.get("aria-labelledby") or values.get("title")
        if not named and values.get("id") not in page.label_for:
            problems.append(f"<{tag} name={values.get('name')}> has no label")
    if page.tables and not page.header_cells:
        problems.append("a table without header cells")
    return problems
