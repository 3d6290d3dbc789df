"""Outbound delivery of rendered messages: email and webhooks. No web framework here."""
