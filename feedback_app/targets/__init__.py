"""KPI targets: goals set per KPI, overall or for one team, with a deadline.

``surveys.targets`` decides a target's state from values; this package stores the targets,
gives managers and admins the page that edits them, and the dashboard their states.
"""
