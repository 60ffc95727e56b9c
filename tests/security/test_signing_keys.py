"""Signing keys rotate; /jwks keeps publishing the previous key until its tokens have expired."""

from __future__ import annotations

import time

import pytest

from dsn.security.authentication import AuthenticationError, authenticate
from dsn.security.keys import prune_retired_keys, rotate_signing_key
from dsn.security.signing import GRACE_SECONDS, forget_key_rings, load_key_ring
from dsn.security.tokens import Grant, issue_access_token

from .support import engine_of, settings_of

GRANT = Grant(kind="client", subject="feed", client_id="feed", scopes=("system/*.rs",))


def _kids(client) -> list[str]:
    return [key["kid"] for key in client.get("/jwks").json()["keys"]]


def test_jwks_publishes_the_public_signing_key_only(client):
    keys = client.get("/jwks").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "ES256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0]


def test_after_a_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key(client):
    settings = settings_of(client)
    old_token, _ = issue_access_token(GRANT, settings, now=int(time.time()))
    old_kids = _kids(client)

    rotate_signing_key(settings.data_dir, "ES256")
    forget_key_rings()  # other processes see the rotation within a second; this one at once
    new_token, _ = issue_access_token(GRANT, settings, now=int(time.time()))

    kids = _kids(client)
    assert len(kids) == 2 and old_kids[0] in kids
    for token in (old_token, new_token):
        assert authenticate(f"Bearer {token}", settings=settings, engine=engine_of(client)).subject == "feed"


def test_a_retired_key_is_unpublished_once_its_tokens_have_expired(settings):
    keep = settings.access_token_lifetime + GRACE_SECONDS
    now = int(time.time())
    rotate_signing_key(settings.data_dir, "ES256", now=now - 10_000)  # creates, then nothing to retire
    rotate_signing_key(settings.data_dir, "ES256", now=now - keep - 1)  # retired long ago
    rotate_signing_key(settings.data_dir, "ES256", now=now - 10)  # retired just now
    ring = load_key_ring(settings.data_dir, "ES256", keep, now=now)
    assert [entry.retired_at for entry in ring.published] == [None, now - 10]

    removed = prune_retired_keys(settings.data_dir, keep, now=now)
    assert len(removed) == 1


def test_tokens_signed_by_a_pruned_key_are_refused(client):
    settings = settings_of(client)
    token, _ = issue_access_token(GRANT, settings, now=int(time.time()))
    rotate_signing_key(settings.data_dir, "ES256")
    prune_retired_keys(settings.data_dir, 0)
    forget_key_rings()
    with pytest.raises(AuthenticationError, match="unknown key"):
        authenticate(f"Bearer {token}", settings=settings, engine=engine_of(client))


def test_rs256_signing_is_available(settings, engine):
    rs = settings.model_copy(update={"token_signing_alg": "RS256"})
    token, _ = issue_access_token(GRANT, rs, now=int(time.time()))
    assert authenticate(f"Bearer {token}", settings=rs, engine=engine).subject == "feed"
    assert token.count(".") == 2
