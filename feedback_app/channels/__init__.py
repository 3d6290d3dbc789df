"""Channels as the helpdesk names them: the labels in use, the admins' aliases, their page."""
