"""The tag lists agents tag comments from: one shared list, and each team's own.

An agent is offered the shared list, then their team's, in the order admins set. A tag is
archived rather than deleted: the comments that carry it keep it (and can lose it), but no
one is offered it again until it is restored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from feedback_app.accounts.teams import team_of
from feedback_app.audit import service as audit
from feedback_app.comment_review.models import LIST_ORDER, MAX_TAG_NAME, ReviewTag
from feedback_app.extensions import db
from feedback_app.models import Team, User
from surveys.errors import DomainError
from surveys.ordering import move_one_step


class TagError(DomainError):
    """A change to a tag list that cannot be made; ``field`` names the form field."""


def _in_list(team_id: int | None) -> sa.ColumnElement[bool]:
    return ReviewTag.team_id.is_(None) if team_id is None else ReviewTag.team_id == team_id


def list_of(team: Team | None, *, archived: bool = False) -> list[ReviewTag]:
    """The tags offered with ``team``'s list: the shared ones, then the team's own; with
    ``archived``, the archived ones too."""
    query = sa.select(ReviewTag).where(
        ReviewTag.team_id.is_(None)
        if team is None
        else sa.or_(ReviewTag.team_id.is_(None), ReviewTag.team_id == team.id)
    )
    if not archived:
        query = query.where(ReviewTag.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(*LIST_ORDER)))


def offered_to(user: User, *, archived: bool = False) -> list[ReviewTag]:
    """The tags ``user`` tags their comments from: the shared list and their team's."""
    return list_of(team_of(user), archived=archived)


def lists() -> list[tuple[Team | None, list[ReviewTag]]]:
    """Every list with all its tags, archived ones included: the shared list first, then
    each team's by name (teams without tags too, so that an admin can start one)."""
    tags = db.session.scalars(sa.select(ReviewTag).order_by(ReviewTag.position, ReviewTag.id))
    by_team: dict[int | None, list[ReviewTag]] = {}
    for tag in tags:
        by_team.setdefault(tag.team_id, []).append(tag)
    teams = db.session.scalars(sa.select(Team).order_by(Team.name))
    return [(None, by_team.get(None, [])), *((team, by_team.get(team.id, [])) for team in teams)]


def _name(raw: str, team_id: int | None, tag: ReviewTag | None = None) -> str:
    """``raw`` as a tag's name in the list of ``team_id``, or raise saying why not."""
    name = " ".join(raw.split())
    if not name:
        raise TagError("Give the tag a name.", "name")
    if len(name) > MAX_TAG_NAME:
        raise TagError(f"The name must be at most {MAX_TAG_NAME} characters.", "name")
    if not name.isprintable():
        raise TagError("The name must be plain text, without control characters.", "name")
    # Agents see the shared list and their team's as one: a team's tag may not repeat a
    # shared one, and a shared tag may not repeat any team's.
    clash = sa.select(ReviewTag).where(ReviewTag.folded == name.casefold())
    if team_id is not None:
        clash = clash.where(_in_list(None) | _in_list(team_id))
    for other in db.session.scalars(clash):
        if other is not tag:
            where = "The shared list" if other.team_id is None else "A team's list"
            raise TagError(f"{where} already has the tag {other.name}.", "name")
    return name


def add_tag(raw_name: str, team: Team | None, now: datetime) -> ReviewTag:
    """A new tag at the end of ``team``'s list (None: the shared list); commits."""
    team_id = team.id if team is not None else None
    name = _name(raw_name, team_id)
    last = db.session.scalar(sa.select(sa.func.max(ReviewTag.position)).where(_in_list(team_id)))
    tag = ReviewTag(
        team_id=team_id,
        name=name,
        folded=name.casefold(),
        position=(last or 0) + 1,
        created_at=now,
    )
    db.session.add(tag)
    db.session.flush()
    audit.record("review_tag.added", f"review_tag:{tag.id}", {"name": name, "team": _team(tag)})
    db.session.commit()
    return tag


def rename_tag(tag: ReviewTag, raw_name: str) -> None:
    """Give ``tag`` a new name, which every comment carrying it then shows; commits."""
    name = _name(raw_name, tag.team_id, tag)
    if name != tag.name:
        audit.record("review_tag.renamed", f"review_tag:{tag.id}", {"from": tag.name, "to": name})
        tag.name, tag.folded = name, name.casefold()
    db.session.commit()


def move_tag(tag: ReviewTag, step: int) -> bool:
    """Swap ``tag`` with its neighbour in its list (``step`` -1: up, 1: down), archived tags
    included; commits. False when it is already first (or last)."""
    siblings = list(
        db.session.scalars(
            sa.select(ReviewTag)
            .where(_in_list(tag.team_id))
            .order_by(ReviewTag.position, ReviewTag.id)
        )
    )
    to = move_one_step(siblings, tag, step)
    if to is None:
        return False
    audit.record("review_tag.moved", f"review_tag:{tag.id}", {"name": tag.name, "to": to + 1})
    db.session.commit()
    return True


def set_archived(tag: ReviewTag, archived: bool, now: datetime) -> None:
    """Archive ``tag`` (no longer offered; comments keep it) or restore it; commits."""
    if (tag.archived_at is not None) is archived:
        return
    tag.archived_at = now if archived else None
    action = "review_tag.archived" if archived else "review_tag.restored"
    audit.record(action, f"review_tag:{tag.id}", {"name": tag.name, "team": _team(tag)})
    db.session.commit()


def chosen(ids: Iterable[int], allowed: Iterable[ReviewTag]) -> set[ReviewTag]:
    """The tags of ``ids``, each of which must be in ``allowed``; raise naming one that is
    not (another team's tag, an archived one, or none at all)."""
    by_id = {tag.id: tag for tag in allowed}
    tags = set()
    for tag_id in ids:
        if tag_id not in by_id:
            raise TagError(f"Tag {tag_id} is not in your team's list.", "tags")
        tags.add(by_id[tag_id])
    return tags


def _team(tag: ReviewTag) -> str | None:
    team = db.session.get(Team, tag.team_id) if tag.team_id is not None else None
    return team.name if team is not None else None
