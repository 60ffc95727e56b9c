"""The login page: French by default, English on request, every message in both languages."""

from __future__ import annotations

from dsn.web.auth_i18n import MESSAGES

from .support import AuthRequest, add_app, add_patient_user, open_login, submit_login


def test_both_catalogs_have_the_same_keys_and_placeholders():
    import string

    french, english = MESSAGES["fr"], MESSAGES["en"]
    assert french.keys() == english.keys()
    for key in french:
        fields_fr = {f for _, f, _, _ in string.Formatter().parse(french[key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}
        assert fields_fr == fields_en, key
        assert french[key] and english[key], key


def test_the_login_page_is_french_by_default(client):
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"))
    assert page.status_code == 200
    assert 'lang="fr-CA"' in page.text
    assert "Mot de passe" in page.text
    assert "Application démo" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_lang_en_switches_to_english_and_the_choice_is_remembered(client):
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"), lang="en")
    assert 'lang="en-CA"' in page.text and "Password" in page.text
    again = open_login(client, AuthRequest(scope="patient/*.rs"))  # the cookie now says English
    assert "Password" in again.text


def test_a_failed_login_answers_in_the_pages_language(client):
    add_patient_user(client)
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"), lang="en")
    failed = submit_login(client, page.text, "marie", password="wrong")
    assert failed.status_code == 401
    assert "Invalid username or password." in failed.text


def test_the_client_name_is_escaped(client):
    from dsn.security.clients import register_client

    from .support import REDIRECT_URI, engine_of

    register_client(
        engine_of(client),
        "<script>alert(1)</script>",
        kind="public",
        scopes=["patient/*.rs"],
        client_id="xss",
        redirect_uris=[REDIRECT_URI],
    )
    page = open_login(client, AuthRequest(scope="patient/*.rs", client_id="xss"))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
