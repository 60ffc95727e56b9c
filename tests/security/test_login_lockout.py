"""Password login: Argon2id, a growing delay after failures, a temporary lockout, TOTP for privileged roles."""

from __future__ import annotations

import html

import pyotp

from dsn.security.passwords import hash_password, verify_password
from dsn.security.totp import current_code, new_secret, provisioning_uri, verify_code
from dsn.security.users import find_user

from .support import (
    AuthRequest,
    add_app,
    add_clinician,
    add_patient_user,
    engine_of,
    open_login,
    redirect_params,
    submit_login,
    use_fake_clock,
)


def _attempt(client, username: str, password: str, **extra: str):
    page = open_login(client, AuthRequest(scope="patient/*.rs user/*.rs"))
    return submit_login(client, page.text, username, password=password, **extra)


def test_passwords_are_stored_as_argon2id_hashes():
    stored = hash_password("s3cret-phrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret-phrase")
    assert not verify_password(stored, "S3cret-phrase")
    assert not verify_password(None, "anything")


def test_each_failure_in_a_row_doubles_the_delay(client):
    clock = use_fake_clock(client)
    add_patient_user(client)
    add_app(client)
    for _ in range(4):
        assert _attempt(client, "marie", "wrong").status_code == 401
    assert clock.sleeps == [0.25, 0.5, 1.0, 2.0]


def test_the_fifth_failure_locks_the_account_for_fifteen_minutes(client):
    clock = use_fake_clock(client)
    add_patient_user(client)
    add_app(client)
    for _ in range(5):
        _attempt(client, "marie", "wrong")
    locked = _attempt(client, "marie", "correct horse battery staple")
    assert locked.status_code == 429
    assert "15 minutes" in locked.text

    clock.advance(15 * 60 + 1)
    assert _attempt(client, "marie", "correct horse battery staple").status_code == 303


def test_a_success_resets_the_failure_count(client):
    use_fake_clock(client)
    add_patient_user(client)
    add_app(client)
    for _ in range(4):
        _attempt(client, "marie", "wrong")
    assert _attempt(client, "marie", "correct horse battery staple").status_code == 303
    assert find_user(engine_of(client), "marie").failed_logins == 0


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client):
    clock = use_fake_clock(client)
    add_patient_user(client)
    add_app(client)
    unknown = _attempt(client, "nobody", "wrong")
    wrong = _attempt(client, "marie", "wrong")
    assert unknown.status_code == wrong.status_code == 401
    assert "Nom d'utilisateur ou mot de passe invalide." in html.unescape(unknown.text)
    assert "Nom d'utilisateur ou mot de passe invalide." in html.unescape(wrong.text)
    assert clock.sleeps == [0.25, 0.25]


def test_a_privileged_role_cannot_log_in_without_totp_enrolled(client):
    use_fake_clock(client)
    add_clinician(client, "dpo", role="privacy_officer")
    add_app(client)
    response = _attempt(client, "dpo", "correct horse battery staple")
    assert response.status_code == 401
    assert "deux facteurs" in response.text


def test_totp_is_asked_for_then_checked(client):
    clock = use_fake_clock(client)
    secret = new_secret()
    add_clinician(client, "dpo", role="privacy_officer", totp_secret=secret)
    add_app(client)
    page = open_login(client, AuthRequest(scope="user/*.rs"))
    asked = submit_login(client, page.text, "dpo")
    assert asked.status_code == 200
    assert 'name="totp"' in asked.text

    wrong = submit_login(client, page.text, "dpo", totp="000000" if current_code(secret) != "000000" else "111111")
    assert wrong.status_code == 401
    good = submit_login(client, page.text, "dpo", totp=current_code(secret, at=clock.time()))
    assert "code" in redirect_params(good)


def test_totp_accepts_one_step_of_clock_drift():
    secret = new_secret()
    now = 1_800_000_000
    assert verify_code(secret, pyotp.TOTP(secret).at(now - 30), at=now)
    assert not verify_code(secret, pyotp.TOTP(secret).at(now - 90), at=now)
    assert provisioning_uri(secret, "dpo").startswith("otpauth://totp/DSN:dpo?secret=")
