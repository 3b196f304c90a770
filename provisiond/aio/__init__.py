"""asyncio building blocks the services share: no I/O, no domain, only the injected clock."""
