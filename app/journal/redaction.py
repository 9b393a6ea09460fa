"""What the journal never keeps: tokens, enrolment codes, e-mail addresses, phone numbers.

The code logs only ids, counts and its own messages; this filter is there for what it cannot foresee,
such as an exception whose text quotes a value. Record ids (UUIDs) are kept: they are what the support
needs to find a record, and they say nothing about a person.
"""

import logging
import re

MASK = "[masqué]"

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"
_PATTERNS = (
    # An Authorization header or a "token=…" pair, whatever the value looks like.
    re.compile(r"(?i)\b(bearer|token|jeton|authorization)(\s*[:=]\s*|\s+)(\"|')?[^\s\"',;]+"),
    # A secret: a long run of URL-safe characters with a digit and a letter (secrets.token_urlsafe,
    # hashes), or a very long mixed-case one; never a UUID.
    re.compile(rf"(?<![\w-])(?!{_UUID})(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{{20,}}"),
    re.compile(rf"(?<![\w-])(?!{_UUID})(?=[\w-]*[a-z])(?=[\w-]*[A-Z])[\w-]{{32,}}"),
    # An enrolment code, 7KQM-2WXP-H9TD, in any case.
    re.compile(r"(?i)(?<![\w-])[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}(?![\w-])"),
    # An e-mail address, also written "at" / "arobase".
    re.compile(r"(?i)(?<![\w.+-])[\w.+-]+\s*(@|\(at\)|\[at\]|\sat\s|\sarobase\s)\s*[\w-]+(\.[\w-]+)+"),
    # A phone number: French (0X or +33 X, then four pairs) with spaces, dots, dashes or slashes.
    re.compile(r"(?<!\d)(\+33\s?|0033\s?|0)[1-9]([\s./-]?\d{2}){4}(?!\d)"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, traceback and stack with `redact`, before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message: keep what can be read
            message = f"{record.msg!s} (message mal formé)"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
