"""A realistic demo: 90 days of a support team's interactions, surveys and answers, its
customers' lifecycles and its agents' time.

Everything goes through the same services the API, the pages and the scheduler use, one
simulated day at a time, so the demo's invitations, emails, rollups and follow-up cases are
exactly what the product would have made. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

import sqlalchemy as sa

from feedback_app.accounts.passwords import hashed
from feedback_app.comment_review.tags import add_tag
from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import AgentInput, CustomerInput
from feedback_app.jobs import all_jobs
from feedback_app.models import Customer, Invitation, Role, Team, User
from feedback_app.models.followups import FollowUpCase
from feedback_app.retention.service import buckets_before
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.followups import Actor, CaseChange, change_case
from feedback_app.services.nps import enrol_person, schedule_due_nps
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.responses import lock_invitation, record_response
from feedback_app.services.settling import settle_answers
from feedback_app.services.support.settling import settle_interactions
from feedback_app.services.surveys import survey_for_kind
from feedback_app.utilization.service import DayInput, save_days
from surveys import channels
from surveys.answers import ResponseSource
from surveys.cases import ACTIVE, CaseStatus, Outcome
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind

#: Demo logins, printed by ``feedback demo`` and ``make run``.
LOGINS = (
    ("admin@example.com", "admin-demo", Role.ADMIN, "Alex Admin"),
    ("manager@example.com", "manager-demo", Role.MANAGER, "Morgan Manager"),
    ("lead@example.com", "manager-demo", Role.MANAGER, "Lee Lead"),
    ("ana@example.com", "agent-demo", Role.AGENT, "Ana Agent"),
    ("ben@example.com", "agent-demo", Role.AGENT, "Ben Agent"),
)
#: Team name, its manager's email, and its agents (email, name, skill: 0 poor to 1 great).
TEAMS = (
    (
        "Billing",
        "manager@example.com",
        (
            ("ana@example.com", "Ana Agent", 0.85),
            ("carl@example.com", "Carl Okafor", 0.55),
            ("dina@example.com", "Dina Weiss", 0.7),
        ),
    ),
    (
        "Technical",
        "lead@example.com",
        (
            ("ben@example.com", "Ben Agent", 0.6),
            ("eve@example.com", "Eve Laurent", 0.9),
            ("femi@example.com", "Femi Adeyemi", 0.4),
        ),
    ),
    (
        "Onboarding",
        "manager@example.com",
        (
            ("gus@example.com", "Gus Moreno", 0.75),
            ("hana@example.com", "Hana Sato", 0.8),
        ),
    ),
)
#: Each team's own review tags, offered to its agents after the shared list.
TEAM_TAGS = {"Billing": ("Refund", "Invoice error"), "Technical": ("Bug", "Outage")}
FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Mia",
    "Arthur",
    "Zoe",
    "Hugo",
    "Lina",
    "Omar",
    "Chloe",
    "Ravi",
    "Elena",
    "Theo",
    "Nora",
    "Samir",
    "Julia",
    "Marco",
    "Ines",
    "Felix",
    "Grace",
    "Yusuf",
    "Clara",
    "Mateo",
    "Sofia",
    "Jonas",
    "Leila",
    "Ethan",
]
LAST_NAMES = [
    "Smith",
    "Martin",
    "Garcia",
    "Müller",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Dubois",
    "Silva",
    "Jensen",
    "Tanaka",
    "Novak",
    "Okoye",
    "Fischer",
    "Moreau",
    "Costa",
    "Lindqvist",
    "Brennan",
    "Petrov",
]
COMPANIES = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
]
CHANNEL_WEIGHTS = {
    channels.EMAIL: 35,
    channels.CHAT: 30,
    channels.PHONE: 20,
    channels.SOCIAL: 10,
    channels.OTHER: 5,
}
#: Typical minutes to first response and hours to resolution per channel.
CHANNEL_PACE = {
    channels.EMAIL: (180, 20),
    channels.CHAT: (2, 1),
    channels.PHONE: (1, 2),
    channels.SOCIAL: (90, 12),
    channels.OTHER: (240, 30),
}
#: Ticket categories, as a helpdesk labels them.
TOPICS = ("Billing", "Technical support", "Account access", "Shipping", "Returns")
#: The live channels, where a customer can give up waiting (abandon) and handle time has
#: talk, hold and after-call work.
LIVE = (channels.CHAT, channels.PHONE)


@dataclass(frozen=True)
class DemoSize:
    customers: int = 300
    days: int = 90
    interactions_per_day: int = 14


def seeded() -> bool:
    """True once the demo (or anything else) has created staff accounts."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def seed_demo(
    now: datetime,
    size: DemoSize = DemoSize(),
    seed: int = 2026,
    progress: Callable[[str], None] = print,
) -> None:
    """Create the demo's people and then live through ``size.days`` days up to ``now``."""
    rng = random.Random(seed)
    users = _create_users(now - timedelta(days=size.days + 1))
    agents = _create_teams(users)
    for team in db.session.scalars(sa.select(Team).where(Team.name.in_(TEAM_TAGS))):
        for name in TEAM_TAGS[team.name]:
            add_tag(name, team, now - timedelta(days=size.days + 1))
    for kind in SurveyKind:
        survey = survey_for_kind(kind, now - timedelta(days=size.days + 1))
        survey.reminder_days = 3 if kind is SurveyKind.CSAT else None
    db.session.commit()
    customers = _customers(rng, size.customers)
    start = now - timedelta(days=size.days)
    for customer in customers:
        enrol_person(customer, start)
    for day in range(size.days):
        _live_one_day(rng, start + timedelta(days=day), customers, agents, users, size, now)
        if day % 15 == 14:
            progress(f"  day {day + 1} of {size.days}")
    _lifecycles(random.Random(seed + 1), customers, start, now)
    _agent_time(random.Random(seed + 2), agents, start, size.days, now)


#: The chance that a customer of each bucket (by their latest NPS answer) left in the last
#: 30 days: the demo's detractors leave more, for the dashboard's retention comparison.
CHURN_CHANCE = {"promoter": 0.04, "passive": 0.12, "detractor": 0.35, "none": 0.1}


def _lifecycles(
    rng: random.Random, customers: list[CustomerInput], start: datetime, now: datetime
) -> None:
    """Each customer's lifecycle, posted as ``/api/v1/people`` would: customers for up to two
    years before the demo began, some lost in its last 30 days, the detractors most."""
    buckets = buckets_before(now - timedelta(days=30))
    ids = {email: i for email, i in db.session.execute(sa.select(Customer.email, Customer.id))}
    for customer in customers:
        since = start - timedelta(days=rng.randint(30, 720), hours=rng.randint(0, 23))
        bucket = buckets.get(ids[customer.email], "none")
        churned = (
            now - timedelta(days=rng.uniform(0, 29))
            if rng.random() < CHURN_CHANCE[bucket]
            else None
        )
        enrol_person(
            CustomerInput(email=customer.email, customer_since=since, churned_at=churned), now
        )


def _agent_time(
    rng: random.Random,
    agents: list[tuple[AgentInput, str, float]],
    start: datetime,
    days: int,
    now: datetime,
) -> None:
    """Eight-hour weekday shifts for every agent, logged in for about 80% of them (the
    skilled a little more, now and then an overworked day), posted for their team."""
    for agent, team, skill in agents:
        posted = []
        for number in range(days):
            day = (start + timedelta(days=number)).date()
            if day.weekday() >= 5:
                continue
            share = min(1.05, max(0.4, rng.gauss(0.72 + 0.15 * skill, 0.08)))
            posted.append(DayInput(agent, day, 28800, round(28800 * share), team))
        save_days(posted, now)


def _create_users(when: datetime) -> dict[str, User]:
    users = {}
    for email, password, role, name in LOGINS:
        user = User(
            email=email, name=name, role=role, password_hash=hashed(password), created_at=when
        )
        db.session.add(user)
        users[email] = user
    db.session.flush()
    return users


def _create_teams(users: dict[str, User]) -> list[tuple[AgentInput, str, float]]:
    agents = []
    for name, manager, members in TEAMS:
        db.session.add(Team(name=name, manager_id=users[manager].id))
        agents += [
            (AgentInput(email, agent_name), name, skill) for email, agent_name, skill in members
        ]
    db.session.flush()
    return agents


def _customers(rng: random.Random, count: int) -> list[CustomerInput]:
    people = []
    for number in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(COMPANIES)
        french = rng.random() < 0.15
        people.append(
            CustomerInput(
                email=f"{first.lower()}.{number}@{company}.example",
                name=f"{first} {last}",
                external_id=f"crm-{10000 + number}",
                locale="fr" if french else "en",
                properties={
                    "plan": rng.choices(["free", "pro", "enterprise"], [5, 3, 1])[0],
                    "region": rng.choice(["EMEA", "AMER", "APAC"]),
                },
            )
        )
    return people


def _live_one_day(
    rng: random.Random,
    day: datetime,
    customers: list[CustomerInput],
    agents: list[tuple[AgentInput, str, float]],
    users: dict[str, User],
    size: DemoSize,
    now: datetime,
) -> None:
    """One day: interactions close, invitations go out, some customers answer, cases move."""
    end_of_day = min(day + timedelta(hours=23), now)
    skills = {}
    for number in range(
        rng.randint(size.interactions_per_day // 2, size.interactions_per_day * 3 // 2)
    ):
        agent, team, skill = rng.choice(agents)
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        first_minutes, resolve_hours = CHANNEL_PACE[channel]
        opened = day + timedelta(minutes=rng.randint(0, 12 * 60))
        first_response = opened + timedelta(minutes=rng.expovariate(1 / first_minutes))
        resolved = first_response + timedelta(hours=rng.expovariate(1 / resolve_hours))
        if resolved > end_of_day:
            continue
        live = channel in LIVE
        if live and rng.random() < 0.08:
            # Abandoned in the queue: no agent, no survey.
            ingest_interaction(
                InteractionInput(
                    external_id=f"T-{day:%y%m%d}-{number:03d}",
                    customer=rng.choice(customers),
                    channel=channel,
                    topic=rng.choice(TOPICS),
                    answered=False,
                    opened_at=opened,
                ),
                opened,
            )
            continue
        talk = int(rng.uniform(3, 25) * 60)
        result = ingest_interaction(
            InteractionInput(
                external_id=f"T-{day:%y%m%d}-{number:03d}",
                customer=rng.choice(customers),
                channel=channel,
                agent=agent,
                team=team,
                topic=rng.choice(TOPICS),
                opened_at=opened,
                first_response_at=first_response,
                resolved_at=resolved,
                talk_seconds=talk if live else None,
                hold_seconds=int(rng.expovariate(1 / 60)) if live else None,
                after_work_seconds=int(rng.uniform(30, 240)) if live else None,
                handle_seconds=None if live else int(rng.uniform(4, 40) * 60),
                survey=SurveyKind.CES if rng.random() < 0.3 else SurveyKind.CSAT,
                delay_seconds=600,
            ),
            resolved,
        )
        if result.invitation is not None:
            skills[result.invitation.id] = skill
    if now - end_of_day < timedelta(days=1):
        # The last day's invitations are left to the scheduler: the mailbox fills as you watch.
        return
    schedule_due_nps(end_of_day)
    dispatch_due_invitations(end_of_day)
    _answer(rng, day, skills, now)
    while settle_answers():
        pass
    while settle_interactions():
        pass
    _work_cases(end_of_day, users)
    # The rest of the scheduler's day: reminders, expiry, case deadlines, digests, delivery.
    for job in all_jobs().values():
        if job.name not in ("heartbeat", "deliver-outbox"):
            job.run(end_of_day)
    while deliver_outbox(end_of_day):
        pass


def _answer(rng: random.Random, day: datetime, skills: dict[int, float], now: datetime) -> None:
    """About 40% of the day's invitations are answered within a few hours."""
    sent = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.status == InvitationStatus.SENT, Invitation.sent_at >= day)
        .order_by(Invitation.id)
    ).all()
    for invitation in sent:
        if rng.random() > 0.4:
            continue
        answered_at = min(invitation.sent_at + timedelta(minutes=rng.randint(5, 600)), now)
        kind = invitation.survey.kind
        skill = skills.get(invitation.id, rng.uniform(0.5, 0.9))
        score, comment = _answer_of(rng, kind, skill, invitation.customer.locale == "fr")
        record_response(
            invitation.survey,
            score,
            comment,
            answered_at,
            source=rng.choice([ResponseSource.EMAIL, ResponseSource.PAGE]),
            invitation=lock_invitation(invitation),
        )


#: A comment with about half of the answers, the rest leave the box empty.
COMMENT_CHANCE = 0.5


@functools.cache
def _comments() -> dict[tuple[SurveyKind, str, str], tuple[str, ...]]:
    """The demo's comments by kind, mood and language (see demo_data/README.md)."""
    text = resources.files("feedback_app").joinpath("demo_data/comments.csv")
    found: dict[tuple[SurveyKind, str, str], list[str]] = {}
    with text.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (SurveyKind(row["kind"]), row["mood"], row["language"])
            found.setdefault(key, []).append(row["comment"])
    return {key: tuple(comments) for key, comments in found.items()}


def _answer_of(rng: random.Random, kind: SurveyKind, skill: float, french: bool) -> tuple[int, str]:
    """A score drawn around the agent's skill, and a comment in the customer's language that
    fits the score, half of the time."""
    low, high = {SurveyKind.CSAT: (1, 5), SurveyKind.CES: (1, 7), SurveyKind.NPS: (0, 10)}[kind]
    quality = min(1.0, max(0.0, rng.gauss(skill, 0.25)))
    score = low + round(quality * (high - low))
    share = (score - low) / (high - low)
    mood = "good" if share >= 0.75 else "middle" if share >= 0.5 else "bad"
    if rng.random() >= COMMENT_CHANCE:
        return score, ""
    return score, rng.choice(_comments()[kind, mood, "fr" if french else "en"])


def _work_cases(now: datetime, users: dict[str, User]) -> None:
    """Managers settle most cases the day after they open, inside the deadline; others are
    taken up, wait on the customer or sit past their deadline for days first, and a few are
    closed without reaching the customer.

    Each case's fate is fixed by its id, so the last fortnight keeps a realistic queue:
    recent, in progress, waiting and overdue cases, over months of settled ones.
    """
    cases = db.session.scalars(
        sa.select(FollowUpCase)
        .where(FollowUpCase.status.in_(ACTIVE), FollowUpCase.opened_at <= now - timedelta(days=1))
        .order_by(FollowUpCase.id)
    ).all()
    manager = Actor.of(users["manager@example.com"])
    for case in cases:
        fate = random.Random(case.id)
        settled_on_day = 1 if fate.random() < 0.35 else fate.randint(2, 40)
        step = fate.random()
        if now - case.opened_at >= timedelta(days=settled_on_day):
            change = (
                CaseChange(
                    status=CaseStatus.CLOSED_WITHOUT_ACTION,
                    outcome=Outcome.UNREACHABLE,
                    note="Three calls and an email, no answer.",
                )
                if step < 0.08
                else CaseChange(
                    status=CaseStatus.RESOLVED,
                    outcome=[Outcome.FIXED, Outcome.EXPLAINED, Outcome.COMPENSATED][case.id % 3],
                    note="Called the customer and sorted it out.",
                )
            )
        elif step < 0.3 and case.status is CaseStatus.OPEN:
            change = CaseChange(status=CaseStatus.IN_PROGRESS, note="Looking into the account.")
        elif step < 0.55 and case.status is CaseStatus.OPEN:
            change = CaseChange(status=CaseStatus.WAITING_ON_CUSTOMER, note="Left a voicemail.")
        else:
            continue
        change_case(case, change, manager, now)
    db.session.commit()
