"""Secrets at rest: AES-GCM for RADIUS passwords and trigger secrets.

The 256-bit key is the SHA-256 of the configured `secret_key` value, so any length of
key file works. Each value gets a fresh random 96-bit nonce; the stored text is
`v1:` + base64(nonce || ciphertext+tag). The version prefix leaves room for another
scheme (or key rotation) without guessing what an old value was. The associated data
names the column the value belongs to, so a value copied into another column (say a
trigger secret pasted over a RADIUS password by someone with write access to the file)
fails to decrypt instead of silently becoming that secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from provisiond.model.secret import Secret
from provisiond.store.errors import SecretKeyError

PREFIX: Final = "v1:"
_NONCE_BYTES: Final = 12


class SecretBox:
    """Encrypts and decrypts one column's secrets with the store's key."""

    __slots__ = ("_aead",)

    def __init__(self, secret_key: Secret) -> None:
        self._aead = AESGCM(hashlib.sha256(secret_key.reveal().encode()).digest())

    def seal(self, plaintext: str, *, purpose: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, *, purpose: str) -> str:
        """The plaintext, or `SecretKeyError` when the key is wrong or the value damaged."""
        if not stored.startswith(PREFIX):
            raise SecretKeyError(f"a stored {purpose} is not encrypted in a known format")
        try:
            raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, purpose.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise SecretKeyError(
                f"a stored {purpose} cannot be decrypted: the secret key is wrong "
                "or the value is damaged"
            ) from exc


class SecretColumns:
    """How secret columns are written and read: sealed with a key, as is without one.

    The store is never mixed: `keys.py` encrypts every plaintext value when a key is
    first configured and refuses to open an encrypted store without it, so a value's
    form follows from whether there is a key, not from guessing at its text.
    """

    __slots__ = ("_box",)

    def __init__(self, box: SecretBox | None) -> None:
        self._box = box

    @property
    def encrypted(self) -> bool:
        return self._box is not None

    def store(self, value: Secret | None, *, purpose: str) -> str | None:
        if value is None:
            return None
        if self._box is None:
            return value.reveal()
        return self._box.seal(value.reveal(), purpose=purpose)

    def load(self, stored: str | None, *, purpose: str) -> Secret | None:
        if stored is None:
            return None
        if self._box is None:
            return Secret(stored)
        return Secret(self._box.open(stored, purpose=purpose))
