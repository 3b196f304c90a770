"""The sans-IO RADIUS layer: dictionaries, wire codec, authenticators and password schemes.

Nothing here opens a socket, starts a task or reads a clock; the servers built on top of
it (auth, accounting, CoA) own the I/O and pass `now` in where time matters.
"""
