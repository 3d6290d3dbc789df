"""Teams and who is in them: a team's manager, and a staff user's team.

A user's team is the team of the helpdesk agent with their email (``Agent``), which is
what the interactions and the agent's own review page already go by; setting one for a
user the helpdesk has not sent yet adds that agent.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from feedback_app.accounts.errors import AccountError
from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.ingest.people import AgentInput, normalize_label, upsert_agent
from feedback_app.models import Agent, Role, Team, User


class TeamError(AccountError):
    """A change to a team that cannot be made; ``field`` is the form field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def team_of(user: User) -> Team | None:
    agent = db.session.scalar(sa.select(Agent).where(Agent.email == user.email))
    return agent.team if agent is not None else None


def teams_of(users: list[User]) -> dict[str, str]:
    """The team name of each user who has one, by email, in one query."""
    emails = [user.email for user in users]
    rows = db.session.execute(
        sa.select(Agent.email, Team.name)
        .join(Team, Team.id == Agent.team_id)
        .where(Agent.email.in_(emails))
    )
    return {email: name for email, name in rows}


def managers() -> list[User]:
    """Active managers and admins: who may manage a team."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
            .order_by(User.name, User.email)
        )
    )


def set_team(user: User, team: Team | None, now: datetime) -> None:
    """Put ``user`` in ``team`` (None: in none); commits. Nothing happens if already so."""
    before = team_of(user)
    if before is team:
        return
    agent = upsert_agent(AgentInput(email=user.email, name=None))
    if not agent.name:
        agent.name = user.name
    agent.team = team
    audit.record(
        "user.team_changed",
        f"user:{user.id}",
        {"from": before.name if before else None, "to": team.name if team else None},
    )
    db.session.commit()


def _name(raw: str, team: Team | None = None) -> str:
    try:
        name = normalize_label(raw)
    except ValueError as error:
        raise TeamError(f"The name {error}.", "name") from None
    if name is None:
        raise TeamError("Give the team a name.", "name")
    taken = db.session.scalar(sa.select(Team).where(Team.name == name))
    if taken is not None and taken is not team:
        raise TeamError(f"A team is already called {name}.", "name")
    return name


def _manager(manager_id: int | None) -> User | None:
    if manager_id is None:
        return None
    manager = db.session.get(User, manager_id)
    if manager is None or not manager.active or not manager.has_role(Role.MANAGER):
        raise TeamError("The manager must be an active manager or admin.", "manager")
    return manager


def create_team(name: str, manager_id: int | None) -> Team:
    """A new team with its manager (or none yet); commits."""
    team_name = _name(name)
    _manager(manager_id)
    team = Team(name=team_name, manager_id=manager_id)
    db.session.add(team)
    db.session.flush()
    audit.record("team.created", f"team:{team.id}", {"name": team.name, "manager": manager_id})
    db.session.commit()
    return team


def change_team(team: Team, name: str, manager_id: int | None) -> None:
    """Rename ``team`` and set its manager; each change is logged; commits."""
    new_name = _name(name, team)
    _manager(manager_id)
    if new_name != team.name:
        audit.record("team.renamed", f"team:{team.id}", {"from": team.name, "to": new_name})
        team.name = new_name
    if manager_id != team.manager_id:
        audit.record(
            "team.manager_changed", f"team:{team.id}", {"from": team.manager_id, "to": manager_id}
        )
        team.manager_id = manager_id
    db.session.commit()
