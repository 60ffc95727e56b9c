"""Server key material, created on first start inside the data folder.

* ``signing-es256.pem``: signs access tokens (ES256); rotation keeps older keys
  published in the JWKS until their tokens expire.
* ``audit-ed25519.pem``: signs audit-chain checkpoints.

Keys are written with mode 0600 and never overwritten.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

KEY_FILES = {
    "signing-es256.pem": lambda: ec.generate_private_key(ec.SECP256R1()),
    "audit-ed25519.pem": ed25519.Ed25519PrivateKey.generate,
}


def ensure_keys(data_dir: Path) -> dict[str, Path]:
    """Create any missing key under ``data_dir/keys``; return every key's path."""
    folder = data_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    paths = {}
    for name, generate in KEY_FILES.items():
        path = folder / name
        if not path.exists():
            pem = generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
        paths[name] = path
    return paths


def load_private_key(path: Path) -> object:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)
