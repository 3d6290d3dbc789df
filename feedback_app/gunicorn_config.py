"""Gunicorn settings for ``feedback serve``; every value can be overridden on the command line.

Run behind a reverse proxy (nginx, Caddy) that terminates TLS and sets X-Forwarded-*; the
proxy's address must be in FORWARDED_ALLOW_IPS for https links, and FEEDBACK_PROXY_HOPS=1
for clients' addresses, to be right. Sync workers suit this app: requests are short and the
database does the waiting.

The address and the processes come from the app's own settings (``FEEDBACK_BIND``,
``FEEDBACK_WEB_WORKERS``, ``FEEDBACK_WEB_THREADS``, or ``instance/config.py``), so the
start-up check counts the same web processes as gunicorn starts.
"""

import os

from gunicorn import glogging
from gunicorn.config import Config

from feedback_app.config import server_settings, web_workers
from feedback_app.logs import mask_logger

_settings = server_settings()
bind = _settings["BIND"]
#: Two workers per core is a sound start for short, database-bound requests.
workers = web_workers(_settings)
threads = int(_settings["WEB_THREADS"])
timeout = 30
graceful_timeout = 20
keepalive = 5
#: Recycle workers now and then so a slow leak can never take a web process down.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


class Logger(glogging.Logger):
    """Gunicorn's logger, with survey tokens masked in its access and error lines."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        mask_logger(self.access_log)
        mask_logger(self.error_log)


logger_class = Logger


def worker_exit(_server: object, worker: object) -> None:
    """Write the API key use a stopping worker counted but has not written yet."""
    from feedback_app.audit.key_use import flush_on_exit

    flush_on_exit(getattr(worker, "wsgi", None))
