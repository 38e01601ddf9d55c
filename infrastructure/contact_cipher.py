"""Crypto-shredding for residents' contacts: one AES-256-GCM key per contact.

The contact is encrypted under a key of its own, with the case id as associated data
(a ciphertext moved to another case's row does not open). That key is stored wrapped
by a key derived from the server secret, which lives outside the database. Destroying
the contact's key row makes every copy of the ciphertext (dead tuples, WAL, backups)
unreadable; a copy of the database without the config directory opens nothing at all.
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.residents import SealedContact

NONCE_BYTES = 12
_KEY_AD = b"chuishao contact key\n"


class ContactCipher:
    def __init__(self, wrapping_key: bytes) -> None:
        self._wrap = AESGCM(wrapping_key)

    def seal(self, case_id: str, name: str | None, phone: str | None) -> SealedContact:
        key = AESGCM.generate_key(bit_length=256)
        plain = json.dumps({"name": name, "phone": phone}, ensure_ascii=False).encode()
        return SealedContact(
            case_id=case_id,
            wrapped_key=_encrypt(self._wrap, key, _KEY_AD + case_id.encode()),
            ciphertext=_encrypt(AESGCM(key), plain, case_id.encode()),
        )

    def open(
        self, case_id: str, wrapped_key: bytes, ciphertext: bytes
    ) -> tuple[str | None, str | None]:
        """Raises ``InvalidTag`` if either part was altered or belongs to another case."""
        key = _decrypt(self._wrap, wrapped_key, _KEY_AD + case_id.encode())
        data = json.loads(_decrypt(AESGCM(key), ciphertext, case_id.encode()))
        return data["name"], data["phone"]


def _encrypt(aead: AESGCM, plain: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)  # random per message: keys are fresh, so never reused
    return nonce + aead.encrypt(nonce, plain, associated)


def _decrypt(aead: AESGCM, sealed: bytes, associated: bytes) -> bytes:
    return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


__all__ = ["ContactCipher", "InvalidTag"]
