"""The registry of France Services structures: the ANCT's published list, read the same way by the
workstation (its first start) and by the reporting server (`import-structures`)."""
