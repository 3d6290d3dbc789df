"""An agent's own figures ("My feedback"): the dashboard's KPIs narrowed to one agent, with
their team's beside them; the same narrowing gives the email reviews their team figures."""
