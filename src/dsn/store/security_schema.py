"""Tables of identity and access: users, OAuth clients and grants, regions, break-the-glass.

They share the store's metadata (and so its migrations) but hold no clinical data.
Secrets are never stored in the clear: passwords as Argon2id hashes, authorization
codes and refresh tokens as SHA-256 digests.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from dsn.store.schema import ID_LENGTH, metadata

region = Table(
    "region",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("organization_id", String(ID_LENGTH), nullable=True),
    Column("live", Boolean, nullable=False, default=False),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("practitioner_id", String(ID_LENGTH), nullable=True),
    Column("practitioner_role_id", String(ID_LENGTH), nullable=True),
    Column("patient_id", String(ID_LENGTH), nullable=True),
    Column("organization_id", String(ID_LENGTH), nullable=True),
    Column("region_code", String(16), nullable=True),
    Column("totp_secret", String(64), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", BigInteger, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
    Column("locale", String(8), nullable=False, default="fr"),
    Column("created", BigInteger, nullable=False),
)

# The patients a user may act for besides themselves: a parent or legal
# representative for a child under 14.
user_patient = Table(
    "user_patient",
    metadata,
    Column("user_id", String(ID_LENGTH), ForeignKey("app_user.id"), primary_key=True),
    Column("patient_id", String(ID_LENGTH), primary_key=True),
    Column("relationship", String(32), nullable=False),
)

oauth_client = Table(
    "oauth_client",
    metadata,
    Column("client_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # public | confidential | backend
    Column("secret_hash", Text, nullable=True),
    Column("redirect_uris", Text, nullable=False, default="[]"),
    Column("origins", Text, nullable=False, default="[]"),
    Column("scope", Text, nullable=False, default=""),
    Column("jwks", Text, nullable=True),
    Column("jwks_uri", String(500), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created", BigInteger, nullable=False),
)

oauth_code = Table(
    "oauth_code",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("client_id", String(100), nullable=False),
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("redirect_uri", String(500), nullable=False),
    Column("scope", Text, nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("nonce", String(200), nullable=True),
    Column("context", Text, nullable=False, default="{}"),
    Column("expires", BigInteger, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
)

oauth_refresh = Table(
    "oauth_refresh",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", String(64), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("scope", Text, nullable=False),
    Column("context", Text, nullable=False, default="{}"),
    Column("expires", BigInteger, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created", BigInteger, nullable=False),
)
Index("ix_oauth_refresh_family", oauth_refresh.c.family_id)

oauth_launch = Table(
    "oauth_launch",
    metadata,
    Column("launch_id", String(64), primary_key=True),
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("context", Text, nullable=False, default="{}"),
    Column("expires", BigInteger, nullable=False),
)

# Used assertion ids (client JWTs) and revoked access tokens, kept until they expire.
oauth_jti = Table(
    "oauth_jti",
    metadata,
    Column("jti", String(200), primary_key=True),
    Column("purpose", String(16), nullable=False),  # assertion | revoked
    Column("expires", BigInteger, nullable=False),
)

btg_grant = Table(
    "btg_grant",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("patient_id", String(ID_LENGTH), nullable=False),
    Column("reason_code", String(32), nullable=False),
    Column("justification", Text, nullable=False),
    Column("granted_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
Index("ix_btg_grant_user_patient", btg_grant.c.user_id, btg_grant.c.patient_id, btg_grant.c.expires_at)

# Sessions of the web application (chart, portal, privacy pages). The browser holds a
# random token; the table holds its SHA-256 digest, the grant the SMART login gave the
# app (scopes, launch patient) and the CSRF token of the session's forms.
web_session = Table(
    "web_session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("patient", String(ID_LENGTH), nullable=True),
    Column("csrf", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
)
Index("ix_web_session_user", web_session.c.user_id)
