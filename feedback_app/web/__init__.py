"""Blueprint registration: one module per audience."""

from __future__ import annotations

from flask import Flask

from surveys.bucketing import bucket_label
from surveys.cases import deadline_wording


def register_blueprints(app: Flask) -> None:
    from feedback_app.accounts import admin as accounts_admin
    from feedback_app.accounts import views as account_views
    from feedback_app.audit import views as audit_views
    from feedback_app.channels import admin as channels_admin
    from feedback_app.comment_review import admin as review_admin
    from feedback_app.comment_review import views as review_views
    from feedback_app.connectors import admin as connectors_admin
    from feedback_app.connectors import hooks
    from feedback_app.delighted import register_delighted
    from feedback_app.previews import views as previews_views
    from feedback_app.privacy import admin as privacy_admin
    from feedback_app.questions import admin as questions_admin
    from feedback_app.routing import admin as routing_admin
    from feedback_app.scorecards import views as scorecards_views
    from feedback_app.targets import admin as targets_admin
    from feedback_app.themes import views as themes_views
    from feedback_app.web import (
        auth,
        dashboard,
        delivery,
        embed,
        errors,
        followups,
        guards,
        health,
        home,
        mailbox,
        public,
        recovery,
        security_headers,
        surveys_admin,
        unavailable,
        unsubscribe,
    )
    from feedback_app.web.api import (
        agent_time,
        interactions,
        metrics,
        people,
        privacy,
        register_api,
        responses,
        suppressions,
    )
    from feedback_app.web.api import followups as followups_api
    from feedback_app.web.api import surveys as surveys_api
    from feedback_app.web.api import targets as targets_api
    from feedback_app.web.api import themes as themes_api
    from feedback_app.web.followup_forms import is_filtering

    app.add_template_filter(bucket_label)
    app.add_template_filter(deadline_wording)
    app.add_template_global(is_filtering)
    guards.register(app)
    errors.register(app)
    unavailable.register(app)
    security_headers.register(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(followups.bp)
    app.register_blueprint(review_views.bp)
    app.register_blueprint(review_admin.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(surveys_admin.bp)
    app.register_blueprint(mailbox.bp)
    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(hooks.bp)
    app.register_blueprint(connectors_admin.bp)
    app.register_blueprint(channels_admin.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(privacy_admin.bp)
    app.register_blueprint(routing_admin.bp)
    app.register_blueprint(targets_admin.bp)
    app.register_blueprint(questions_admin.bp)
    app.register_blueprint(previews_views.bp)
    app.register_blueprint(accounts_admin.bp)
    app.register_blueprint(themes_views.bp)
    app.register_blueprint(scorecards_views.bp)
    register_api(
        app,
        [
            interactions.bp,
            people.bp,
            agent_time.bp,
            responses.bp,
            followups_api.bp,
            metrics.bp,
            suppressions.bp,
            privacy.bp,
            themes_api.bp,
            targets_api.bp,
            surveys_api.bp,
        ],
    )
    register_delighted(app)
