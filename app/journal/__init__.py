"""The workstation's journal: a rotating log file the support can ask for, and nothing personal in it.

`files.py` decides where it lives and starts it (also `faulthandler`), `redaction.py` is the second line
that removes anything looking like a token, a code, an e-mail or a phone number (the first line is that
the code logs only ids, counts and its own messages), `export.py` packs it for the support. No Qt here:
the command-line sub-commands log to the same file; the GUI's hooks (Qt's messages, the dialog after an
unexpected exception) are in `app/ui/error_reporting.py`.
"""
