"""Support KPIs: how interactions are counted (``entries``), the rollups that count them
(``rollups``), the worker job that keeps those true (``settling``), the figures read from
them (``figures``) and the import of helpdesk history (``imports``)."""
