"""Documents the workstation prints or exports (reportlab, CSV). Imports no Qt."""
