"""The asyncio runtime: clock, supervisor, signals, systemd notification, locking."""
