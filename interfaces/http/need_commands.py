"""What the roster's HTTP routes and its console forms share about needs: the table of
need commands (request schema → ``RosterService`` method and its arguments), and who a
need shows to (a liaison's seats, the caller's own claims).

Both read the same table so that a field added to a command reaches the API and the
console together; the access checks themselves stay the service's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from application.access import User
from application.requests import CommandContext
from application.roster import RosterService, member_id_of_user
from application.views import WriteResult
from domain.values import ClaimantKind, Role
from interfaces.http.roster_schemas import (
    ClaimCreate,
    CompletionCreate,
    ConfirmationCreate,
    LeaveCreate,
)
from projections.roster import NeedRow, RosterView

Write = Callable[[CommandContext], WriteResult]


@dataclass(frozen=True)
class NeedCommand:
    """One command on a need: its request body, the service method (by name, so that
    the service a container holds answers), and the method's arguments from the body."""

    schema: type[BaseModel]
    method: str
    args: Callable[[Any], dict[str, Any]]


def _claim(body: ClaimCreate) -> dict[str, Any]:
    return {
        "claimant_kind": body.claimant_kind,
        "claimant_id": None if body.claimant_id is None else str(body.claimant_id),
        "note": body.note,
    }


def _reason(body: LeaveCreate) -> dict[str, Any]:
    return {"reason": body.reason}


def _completion(body: CompletionCreate) -> dict[str, Any]:
    return {"hours": body.hours, "result": body.result}


def _confirmation(body: ConfirmationCreate) -> dict[str, Any]:
    return {"assessment": body.assessment, "comment": body.comment}


# Keyed by the HTTP path's last segment (POST /needs/{need_id}/<name>).
NEED_COMMANDS: Mapping[str, NeedCommand] = {
    "claims": NeedCommand(ClaimCreate, "claim_need", _claim),
    "release": NeedCommand(LeaveCreate, "release_need", _reason),
    "completion": NeedCommand(CompletionCreate, "complete_need", _completion),
    "confirmation": NeedCommand(ConfirmationCreate, "confirm_need", _confirmation),
    "cancellation": NeedCommand(LeaveCreate, "cancel_need", _reason),
}


def need_write(
    roster: RosterService,
    user: User,
    need_id: UUID,
    name: str,
    body: BaseModel,
    version: int | None,
    **fixed: Any,
) -> Write:
    """The write the command ``name`` makes with ``body`` (``fixed``: arguments that
    override the body's, as the console's claim for oneself ignores any claimant)."""
    command = NEED_COMMANDS[name]
    method: Callable[..., WriteResult] = getattr(roster, command.method)
    args = command.args(body) | fixed
    return lambda ctx: method(user, need_id, **args, expected_version=version, context=ctx)


def liaison_sees(view: RosterView, user: User, n: NeedRow) -> bool:
    """A liaison sees a need its unit claimed, or one of a community its unit's active
    council seat covers."""
    if user.unit_id is None:
        return False
    if n.claimant_unit_id == user.unit_id:
        return True
    return any(
        s.active
        and s.unit_id == user.unit_id
        and (s.place_id == n.community_id if s.level == "community" else s.place_id == n.street_id)
        for s in view.seats.values()
    )


def claimed_by(user: User, n: NeedRow) -> bool:
    """Whether the caller is the need's claimant (a member, or the liaison's unit)."""
    if user.role is Role.MEMBER:
        return n.claimant_id == str(member_id_of_user(user.user_id))
    if user.role is Role.LIAISON:
        return n.claimant_kind == ClaimantKind.UNIT.value and n.claimant_unit_id == user.unit_id
    return False
