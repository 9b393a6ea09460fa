"""The server's log: JSON lines on stderr, one object per event, for a supervisor (systemd's journal,
a container's log driver) to keep and a support engineer to filter.

What a line may carry is decided where it is written (`app.server.middleware.RequestLog`: never a
body, a query string, a token or a code); this module only shapes it.
"""

import json
import logging
import sys
from datetime import UTC, datetime


class JsonLines(logging.Formatter):
    """`{"time", "level", "logger", "event", ...}`: the message is the event, and the `fields` given
    as `extra={"fields": {...}}` are merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=True, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Every logger of the process (the server's, uvicorn's) writes JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Never uvicorn's access log: it prints query strings and client ports, and `RequestLog` writes
    # one line per request instead. uvicorn's `access_log=False` alone does not hold in the workers
    # of `serve --workers N`, which call this after uvicorn has set its loggers up.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
