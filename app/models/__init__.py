"""Domain and storage. Imports no Qt, so the CLI, the reports and the server can use it headless."""
