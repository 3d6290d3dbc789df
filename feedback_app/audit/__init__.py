"""The audit log: who did what to which record, when and from where.

``service.record`` writes one event per staff, API and command-line action, in the
transaction of the action itself; ``key_use`` counts API requests per key, scope and day;
``views`` is the admins' page at ``/admin/audit``. Kept import-free so the models package
can load ``audit.models`` without pulling in the rest.
"""
