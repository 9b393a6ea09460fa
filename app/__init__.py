"""Bureau virtuel: the desktop workstation of France Services agents."""

__version__ = "0.1.0"
