"""``feedback followup-rule``: see or change a survey's follow-up rule."""

from __future__ import annotations

import dataclasses

import click

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.followups import rule_for, save_rule
from surveys.errors import DomainError
from surveys.followups import FollowUpRule, OwnerPolicy


@click.command("followup-rule")
@click.argument("survey_id", type=int)
@click.option("--open-max", type=int, help="Scores at or below open a case.")
@click.option("--off", is_flag=True, help="Open no cases for this survey.")
@click.option("--high-max", type=int, help="Scores at or below are high priority (-1: none).")
@click.option("--deadline-hours", type=int)
@click.option("--remind-before-hours", type=int)
@click.option("--owner-policy", type=click.Choice([p.value for p in OwnerPolicy]))
@click.option("--resurvey/--no-resurvey", default=None, help="Ask after resolution.")
@click.option(
    "--anonymous-cases/--no-anonymous-cases",
    default=None,
    help="Open cases for anonymous (unsigned embed) answers too.",
)
def followup_rule(
    survey_id: int,
    open_max: int | None,
    off: bool,
    high_max: int | None,
    deadline_hours: int | None,
    remind_before_hours: int | None,
    owner_policy: str | None,
    resurvey: bool | None,
    anonymous_cases: bool | None,
) -> None:
    """Print survey SURVEY_ID's follow-up rule, after applying any option given."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.BadParameter(f"no survey {survey_id}", param_hint="SURVEY_ID")
    given = {
        "open_max": open_max,
        "high_max": high_max,
        "deadline_hours": deadline_hours,
        "remind_before_hours": remind_before_hours,
        "owner_policy": OwnerPolicy(owner_policy) if owner_policy else None,
        "resurvey": resurvey,
        "anonymous_cases": anonymous_cases,
    }
    changes = {name: value for name, value in given.items() if value is not None}
    if high_max == -1:
        changes["high_max"] = None
    if off:
        changes.update(open_max=None, high_max=None)
    rule = rule_for(survey)
    if changes:
        rule = dataclasses.replace(rule, **changes)  # type: ignore[arg-type]
        try:
            save_rule(survey, rule, utcnow())
        except DomainError as error:
            option = "--" + (error.field or "open_max").replace("_", "-")
            raise click.BadParameter(error.message, param_hint=option) from None
        audit.record(
            "survey.followup_rule_changed", f"survey:{survey.id}", {"fields": sorted(changes)}
        )
        db.session.commit()
    click.echo(describe(survey, rule))


def describe(survey: Survey, rule: FollowUpRule) -> str:
    """One line saying what the rule does."""
    low = survey.scale.low
    opens = "off" if rule.open_max is None else f"scores {low}-{rule.open_max} open a case"
    high = "none" if rule.high_max is None else f"{low}-{rule.high_max}"
    return (
        f"{survey.name} ({survey.kind.value}): {opens}; high priority: {high}; "
        f"deadline {rule.deadline_hours} h, reminder {rule.remind_before_hours} h before; "
        f"owner: {rule.owner_policy.value}; re-survey: {'on' if rule.resurvey else 'off'}; "
        f"anonymous answers: {'open cases' if rule.anonymous_cases else 'no cases'}"
    )


COMMANDS = [followup_rule]
