"""The accessibility checker used on every page the browser tests visit finds what it should."""

from __future__ import annotations

from tests.support.accessibility import accessibility_problems

GOOD = """<html lang="fr-CA"><body><h1>T</h1><h2>S</h2>
<label for="n">Nom</label><input id="n" name="n"><label><input type="checkbox" name="c"> C</label>
<input type="hidden" name="csrf"><button>Go</button><a href="/x">X</a>
<table><tr><th scope="col">A</th></tr></table><svg role="img"><title>Chart</title></svg></body></html>"""


def test_a_correct_page_has_no_problem() -> None:
    assert accessibility_problems(GOOD) == []


def test_each_usual_mistake_is_reported() -> None:
    bad = (
        '<html><body><h1>A</h1><h1>B</h1><h3>C</h3><input name="q"><img src="x.png">'
        '<button></button><a href="/y"></a><table><tr><td>1</td></tr></table><p style="color:red">x</p>'
        "<script>alert(1)</script></body></html>"
    )
    problems = " | ".join(accessibility_problems(bad))
    for expected in (
        "no lang",
        "2 <h1>",
        "h1 to h3",
        "<input name=q> has no label",
        "no alt",
        "<button> without",
        "<a> without",
        "table without header",
        "inline style",
        "inline <script>",
    ):
        assert expected in problems, expected
