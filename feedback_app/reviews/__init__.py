"""The KPI reviews by email: a weekly operational review and a monthly satisfaction review,
to each team's manager (their teams' figures) and to the admins (everyone's and each team's),
with an inline chart, its numbers as tables, sent once per period and recipient."""
