"""Delighted's official Node.js client (``delighted`` 2.2.0 from the npm registry), unchanged,
against this server over real HTTP: ``node_walkthrough.js`` creates people, lists them across
pages, unsubscribes, adds and lists responses with filters, reads the metrics, manages
Autopilot memberships and deletes people; this test checks what the client got and what was
stored.

The package is installed for the session under pytest's temporary folder (npm needs the
registry); the test is skipped only where ``node`` or ``npm`` is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation
from surveys.invitations import InvitationStatus
from tests.helpers import Served

NOW = 1772442000
PACKAGE = "delighted@2.2.0"
SCRIPT = Path(__file__).with_name("node_walkthrough.js")


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose ``node_modules`` holds the client, installed by npm once a session."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: Delighted's Node.js client cannot run")
    folder = tmp_path_factory.mktemp("npm")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(folder),
         PACKAGE],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return folder / "node_modules"


def test_the_node_client_walks_through_the_api(
    app: Flask, make_api_key: Callable[..., str], node_modules: Path
) -> None:
    served = Served(app)
    try:
        walked = subprocess.run(
            ["node", str(SCRIPT)],
            env={
                **os.environ,
                "NODE_PATH": str(node_modules),
                "FEEDBACK_PORT": str(served.server.server_port),
                "FEEDBACK_KEY": make_api_key("ingest read admin", name="node"),
                "FEEDBACK_NOW": str(NOW),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        served.close()
    assert walked.returncode == 0, walked.stderr
    seen: dict[str, Any] = json.loads(walked.stdout)
    assert seen == {
        "created": {"email": "ana@example.com", "name": "Ana", "scheduled": NOW + 3600,
                    "properties": {"Plan": "Pro"}},
        "people": ["ana@example.com", "bo@example.com", "cy@example.com", "di@example.com"],
        "unsubscribed": {"ok": True},
        "unsubscribes": [["di@example.com", seen["unsubscribes"][0][1]]],
        "response_pages": [[10, 3], [8], []],
        "newest_first": [8, 3, 10],
        "bo": {"score": 3, "comment": "Slow", "person": "bo@example.com"},
        "since": 3,
        "metrics": [0, 3, 1],
        "autopilot": ["email", True, 7776000],
        "joined": ["eve@example.com", {"Plan": "Team"}],
        "members": ["bo@example.com", "eve@example.com"],
        "left": "eve@example.com",
        "members_after": ["bo@example.com"],
        "deleted": [{"ok": True}, {"ok": True}],
        "people_after": ["ana@example.com", "bo@example.com", "eve@example.com"],
        "deleted_again": ["GeneralAPIError",
                          {"status": 404, "message": "no person has this identifier"}],
    }  # fmt: skip
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation is not None and invitation.status is InvitationStatus.SCHEDULED
    emails = db.session.scalars(sa.select(Customer.email).order_by(Customer.id)).all()
    assert emails == ["ana@example.com", "bo@example.com", "eve@example.com"]
