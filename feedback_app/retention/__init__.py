"""Customer retention: read from the customers' lifecycles (``customer_since``,
``churned_at``, posted to /api/v1/people), overall and by the NPS bucket each customer was in
when the period began (``service.retention_report``). The formulas are in
``surveys.retention``."""
