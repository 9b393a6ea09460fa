"""The reference reporting server: enrolment, batch ingest, reference data and monthly aggregates.

It speaks docs/SYNC_PROTOCOL.md and validates every record with `app.models.record`, the class the
workstation uses, so the two sides cannot disagree on what a contact is.
"""
