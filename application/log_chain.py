"""One chain over the whole log, and the signed rows that authenticate it.

Beside each case's own chain (``integrity.py``), every event is folded, in commit
order (its log position), into one global head:

    head(n) = sha256("chuishao-log" | head(n-1) | position | event hash)

so an event appended, removed or reordered anywhere changes every later head.
Signed rows (``LogSignature``) record the head at a position with an Ed25519
signature by a key the database does not hold:

- ``batch``: written in the same transaction as each commit batch; covers the
  positions ``first_position..position``. An event no batch covers was inserted
  around the service: a forgery, whenever it was inserted.
- ``adopt``: the first signing of a log written before signatures existed (trust
  on first use: it covers everything up to its position).
- ``checkpoint``: a signed, timestamped head to publish outside the system.
- ``rotate``: a new key takes over, endorsed by the previous key's signature.

The rows form a chain of their own (``prev`` is the digest of the row before), so a
row removed, changed or reordered breaks it. Pure: no crypto, no database here.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

GENESIS = "0" * 64
FORMAT = "chuishao-checkpoint/1"

BATCH = "batch"
ADOPT = "adopt"
CHECKPOINT = "checkpoint"
ROTATE = "rotate"
KINDS = (BATCH, ADOPT, CHECKPOINT, ROTATE)
COVERING = (BATCH, ADOPT)  # kinds that vouch for the events in their range


def next_head(head: str, position: int, event_hash: str) -> str:
    h = hashlib.sha256(b"chuishao-log\x1f")
    h.update(f"{head}\x1f{position}\x1f{event_hash}".encode())
    return h.hexdigest()


def key_id_of(public_key: str) -> str:
    """A key's id: the start of the SHA-256 of its raw public bytes (hex)."""
    return hashlib.sha256(bytes.fromhex(public_key)).hexdigest()[:16]


class Signer(Protocol):
    """A private key kept outside the database (infrastructure holds the file)."""

    @property
    def key_id(self) -> str: ...
    @property
    def public_key(self) -> str: ...
    def sign(self, message: bytes) -> str: ...


class SignatureCheck(Protocol):
    """Checks a signature with a public key alone (auditors need nothing more)."""

    def __call__(self, public_key: str, message: bytes, signature: str) -> bool: ...


@dataclass(frozen=True)
class LogSignature:
    seq: int
    kind: str
    first_position: int
    position: int
    head: str
    prev: str
    signed_at: str  # ISO 8601, UTC
    key_id: str
    public_key: str  # hex of the raw Ed25519 public key
    signature: str = ""
    endorsed_by: str = ""  # rotate rows: the previous key's id
    endorsement: str = ""  # rotate rows: the previous key's signature of the same message

    def message(self) -> bytes:
        """The exact bytes signed (and endorsed): every field but the signatures."""
        fields = (
            FORMAT,
            self.seq,
            self.kind,
            self.first_position,
            self.position,
            self.head,
            self.prev,
            self.signed_at,
            self.key_id,
            self.public_key,
            self.endorsed_by,
        )
        return "\n".join(str(f) for f in fields).encode()

    def digest(self) -> str:
        """What the next row's ``prev`` must be."""
        return hashlib.sha256(self.message() + b"\n" + self.signature.encode()).hexdigest()

    def as_anchor(self) -> dict[str, Any]:
        """A self-contained, signed anchor to keep outside the system (JSON-ready)."""
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_anchor(cls, data: dict[str, Any]) -> LogSignature:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} anchor")
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**fields)


def sign_next(
    last: LogSignature | None,
    *,
    kind: str,
    first_position: int,
    position: int,
    head: str,
    signer: Signer,
    at: str,
    endorser: Signer | None = None,
) -> LogSignature:
    """The row that follows ``last``, signed by ``signer`` (and endorsed, on rotation)."""
    unsigned = LogSignature(
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        first_position=first_position,
        position=position,
        head=head,
        prev=last.digest() if last else GENESIS,
        signed_at=at,
        key_id=signer.key_id,
        public_key=signer.public_key,
        endorsed_by=endorser.key_id if endorser else "",
    )
    message = unsigned.message()
    return replace(
        unsigned,
        signature=signer.sign(message),
        endorsement=endorser.sign(message) if endorser else "",
    )
