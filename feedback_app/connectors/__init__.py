"""Helpdesk connectors: signed deliveries at ``/hooks/<id>`` become interactions.

``surveys.connectors`` knows each helpdesk's signature and payload; this package stores the
connectors and their deliveries, receives them, turns them into interactions in the worker,
and gives the admin the page that walks through the helpdesk's own set-up.
"""
