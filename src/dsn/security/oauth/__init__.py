"""The built-in OAuth 2.0 / OpenID Connect authorization server (SMART App Launch v2, Backend Services).

One concept per module: ``authorize`` (the authorization request and its code),
``pkce``, ``codes``, ``client_auth`` (client secrets and ``private_key_jwt``),
``code_grant``, ``refresh_grant`` (rotation and reuse detection),
``client_credentials``, ``revoke``, ``introspect``, ``discovery``. HTTP lives in
:mod:`dsn.api.auth`; these modules know requests only as parameter dictionaries.
"""
