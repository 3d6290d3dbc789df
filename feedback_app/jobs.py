"""The scheduled jobs, by name: the scheduler and ``feedback run-job`` read this one table.

Each job is a plain function of ``now`` that runs inside an app context, does one bounded
batch of due work, commits, and returns how many items it handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], int]
    #: How often the scheduler runs it, in seconds.
    every_seconds: int
    description: str


def all_jobs() -> dict[str, Job]:
    """Return every job by name; imported lazily so the CLI starts fast."""
    from feedback_app.accounts import resets
    from feedback_app.accounts import sessions as staff_sessions
    from feedback_app.audit import service as audit
    from feedback_app.connectors import processing as connectors
    from feedback_app.reviews import service as reviews
    from feedback_app.services import (
        announcing,
        digest,
        dispatch,
        followups,
        heartbeat,
        invitation_upkeep,
        nps,
        outbox,
        settling,
    )
    from feedback_app.services.embed import flood
    from feedback_app.services.support import settling as support_settling
    from feedback_app.themes import service as themes

    jobs = [
        Job(
            "heartbeat",
            heartbeat.beat,
            30,
            "Record that this worker is alive (shown by /healthz).",
        ),
        Job(
            "settle-answers",
            lambda _now: settling.settle_answers(),
            1,
            "Open follow-up cases, queue webhooks and count rollups for new and changed answers.",
        ),
        Job(
            "announce-answers",
            announcing.announce_quiet_answers,
            5,
            "Send response.created for answers left unchanged for FEEDBACK_WEBHOOK_QUIET_SECONDS.",
        ),
        Job(
            "connector-deliveries",
            connectors.process_deliveries,
            2,
            "Make interactions (and invitations) from the helpdesks' accepted deliveries.",
        ),
        Job(
            "purge-connector-bodies",
            connectors.purge_bodies,
            3600,
            "Empty the bodies of helpdesk deliveries older than 30 days.",
        ),
        Job(
            "settle-interactions",
            lambda _now: support_settling.settle_interactions(),
            1,
            "Count new and changed interactions in the support rollups.",
        ),
        Job(
            "send-password-resets",
            resets.send_requested_resets,
            5,
            "Email the reset links staff asked for on the sign-in page.",
        ),
        Job(
            "dispatch-invitations",
            dispatch.dispatch_due_invitations,
            30,
            "Send scheduled survey invitations that are due.",
        ),
        Job(
            "deliver-outbox",
            outbox.deliver_outbox,
            15,
            "Send due emails and webhooks from the outbox; retry failures with backoff.",
        ),
        Job(
            "schedule-nps",
            nps.schedule_due_nps,
            600,
            "Invite enrolled customers whose periodic NPS is due (suppressed ones recorded).",
        ),
        Job(
            "remind-invitations",
            invitation_upkeep.remind_invitations,
            300,
            "Remind non-responders once, reminder_days after their invitation was sent.",
        ),
        Job(
            "expire-invitations",
            invitation_upkeep.expire_invitations,
            600,
            "Mark unanswered invitations past their expiry expired.",
        ),
        Job(
            "followup-deadlines",
            followups.process_deadlines,
            60,
            "Remind case owners before the deadline; escalate overdue cases to the admins.",
        ),
        Job(
            "weekly-digest",
            digest.send_weekly_digests,
            3600,
            "Send managers last week's follow-up digest (from Monday 08:00 UTC).",
        ),
        Job(
            "weekly-review",
            reviews.send_weekly_reviews,
            3600,
            "Email team managers and admins last week's operational review (REVIEW_* settings).",
        ),
        Job(
            "monthly-review",
            reviews.send_monthly_reviews,
            3600,
            "Email team managers and admins last month's satisfaction review.",
        ),
        Job(
            "purge-audit-log",
            audit.purge_expired,
            3600,
            "Delete audit events older than FEEDBACK_AUDIT_RETENTION_DAYS.",
        ),
        Job(
            "purge-staff-sessions",
            staff_sessions.purge_ended,
            3600,
            "Delete staff sessions that were signed out, went idle or outlived their lifetime.",
        ),
        Job(
            "prune-embed-records",
            flood.prune_embed_records,
            600,
            "Forget spent embed form tokens once expired, refusal counts after two days, refused "
            "embeds after 30 days.",
        ),
        Job(
            "compute-themes",
            themes.compute_due_themes,
            60,
            "Find the comment themes of the selections asked for (and each kind's last 30 days).",
        ),
        Job(
            "tag-comments",
            themes.tag_new_comments,
            60,
            "Tag new and edited comments with the pinned themes they mention.",
        ),
    ]
    return {job.name: job for job in jobs}
