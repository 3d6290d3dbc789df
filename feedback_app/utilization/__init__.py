"""Agent utilization: each agent's shift and logged-in time per day (``models``), posted to
the API (``service.save_days``), and logged-in time over shift time per agent and team
(``service.utilization_report``). Kept import-free, like ``feedback_app.audit``."""
