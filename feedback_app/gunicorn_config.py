"""Gunicorn settings for ``feedback serve``; every value can be overridden on the command line.

Run behind a reverse proxy (nginx, Caddy) that terminates TLS and sets X-Forwarded-*; the
proxy's address must be in FORWARDED_ALLOW_IPS for https links, and FEEDBACK_PROXY_HOPS=1
for clients' addresses, to be right. Sync workers suit this app: requests are short and the
database does the waiting.
"""

import os

from gunicorn import glogging
from gunicorn.config import Config

from feedback_app.logs import mask_logger

bind = os.environ.get("FEEDBACK_BIND", "127.0.0.1:8000")
#: Two workers per core is a sound start for short, database-bound requests.
workers = int(os.environ.get("FEEDBACK_WEB_WORKERS", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("FEEDBACK_WEB_THREADS", "1"))
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
