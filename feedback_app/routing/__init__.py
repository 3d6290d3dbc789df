"""Survey routing: which survey of a kind each interaction and NPS enrolment goes to.

``surveys.routing`` decides from values; this package stores each kind's ordered rules and
default survey, answers the ingest and the enrolment with the survey and the rule that
chose it, and gives admins the page that edits, orders and tests the rules.
"""
