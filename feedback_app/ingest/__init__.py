"""Ingest from a helpdesk: the interactions it reports (by the API, a connector or an
import) and the customers, agents and teams they name."""
