"""Helpdesk connectors: each helpdesk's signature scheme and payload, as pure functions.

Adding a helpdesk is one module with a ``CONNECTOR`` and one line in ``CONNECTORS``.
"""

from surveys.connectors import freescout, freshdesk, front, help_scout, intercom, zammad, zendesk
from surveys.connectors.base import (
    Connector,
    Fetch,
    Ignored,
    InteractionFacts,
    Rejected,
    Unverified,
)

CONNECTORS: dict[str, Connector] = {
    module.CONNECTOR.type: module.CONNECTOR
    for module in (zendesk, help_scout, intercom, front, zammad, freshdesk, freescout)
}

__all__ = [
    "CONNECTORS",
    "Connector",
    "Fetch",
    "Ignored",
    "InteractionFacts",
    "Rejected",
    "Unverified",
]
