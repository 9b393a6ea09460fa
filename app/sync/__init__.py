"""Offline-first sync with the reporting server (docs/SYNC_PROTOCOL.md). Imports no Qt."""
