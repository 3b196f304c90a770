"""FreeRADIUS 3 as the reference server, with a private configuration in a temporary dir.

Two set-ups, both answering the benchmark's users (`radius_world`) with the same
Access-Accept provisiond sends (Framed-IP-Address, Mikrotik-Rate-Limit,
Mikrotik-Address-List, Acct-Interim-Interval):

- `files`: the users in memory (`rlm_files`), accounting appended to a `detail` file
  (not synced: not durable). FreeRADIUS's C limit.
- `sql`: `rlm_sql` on SQLite with the stock schema and queries: the password in
  `radcheck`, the Framed-IP-Address in `radreply`, and the rate limit in the user's
  service group (`radusergroup`, `radgroupreply`), the way Sonar's set-up does it;
  accounting into `radacct`. SQLite as the stock `mods-available/sql` configures it
  (`busy_timeout = 200`, FreeRADIUS's default synchronous mode), with the database in WAL
  mode, its best case. No post-auth logging: that would add a write per Access-Request.

Both require Message-Authenticator from the client and sign every Access-Accept with
one, like provisiond. The server runs in
the foreground (`-f`), pinned to the server core, on loopback ports chosen free.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from bench import radius_world
from bench.radius_load import pin

if TYPE_CHECKING:
    from types import TracebackType

Setup = Literal["files", "sql"]

BINARY: Final = "freeradius"
STOCK_MODS_CONFIG: Final = Path("/etc/freeradius/3.0/mods-config")
_SQLITE_SCHEMA: Final = STOCK_MODS_CONFIG / "sql/main/sqlite/schema.sql"
_SQLITE_QUERIES: Final = STOCK_MODS_CONFIG / "sql/main/sqlite/queries.conf"
_READY: Final = "Ready to process requests"
START_TIMEOUT_S: Final = 30.0


def missing() -> str | None:
    """Why FreeRADIUS cannot be measured here, or None when it can."""
    if shutil.which(BINARY) is None:
        return "FreeRADIUS is not installed (Debian package freeradius)"
    if not _SQLITE_QUERIES.is_file():
        return f"FreeRADIUS's SQLite queries are missing ({_SQLITE_QUERIES})"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((radius_world.NAS_IP, 0))
        port: int = sock.getsockname()[1]
        return port


def users_file() -> str:
    entries = [
        f'{user.username} Cleartext-Password := "{user.password}"\n'
        f"\tFramed-IP-Address = {user.framed_ip},\n"
        f'\tMikrotik-Rate-Limit = "{user.rate_limit}",\n'
        f'\tMikrotik-Address-List = "{radius_world.ADDRESS_LIST}",\n'
        f"\tAcct-Interim-Interval = {radius_world.INTERIM_INTERVAL}\n"
        for user in radius_world.users()
    ]
    return "\n".join(entries)


def create_sql_database(path: Path) -> None:
    """The stock SQLite schema, with the users as Sonar's set-up keeps them."""
    users = radius_world.users()
    with sqlite3.connect(path) as db:
        # WAL is a property of the file, kept for FreeRADIUS's connections: readers no
        # longer block the writer. With the default rollback journal, accounting managed
        # ~200 records/s here, most of the rest lost to "database is locked".
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SQLITE_SCHEMA.read_text())
        db.executemany(
            "INSERT INTO radcheck (username, attribute, op, value) "
            "VALUES (?, 'Cleartext-Password', ':=', ?)",
            [(user.username, user.password) for user in users],
        )
        db.executemany(
            "INSERT INTO radreply (username, attribute, op, value) "
            "VALUES (?, 'Framed-IP-Address', '=', ?)",
            [(user.username, user.framed_ip) for user in users],
        )
        db.executemany(
            "INSERT INTO radusergroup (username, groupname, priority) VALUES (?, ?, 1)",
            [(user.username, f"tier-{user.tier}") for user in users],
        )
        for tier in range(1, radius_world.TIERS + 1):
            db.executemany(
                "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES (?, ?, '=', ?)",
                [
                    (f"tier-{tier}", "Mikrotik-Rate-Limit", radius_world.tier_rate(tier)),
                    (f"tier-{tier}", "Mikrotik-Address-List", radius_world.ADDRESS_LIST),
                    (f"tier-{tier}", "Acct-Interim-Interval", str(radius_world.INTERIM_INTERVAL)),
                ],
            )
    os.chmod(path, 0o600)


_SQL_MODULE: Final = """
    sql {{
        dialect = "sqlite"
        driver = "rlm_sql_sqlite"
        sqlite {{
            filename = "{database}"
            busy_timeout = 200
        }}
        radius_db = "radius"
        acct_table1 = "radacct"
        acct_table2 = "radacct"
        postauth_table = "radpostauth"
        authcheck_table = "radcheck"
        groupcheck_table = "radgroupcheck"
        authreply_table = "radreply"
        groupreply_table = "radgroupreply"
        usergroup_table = "radusergroup"
        delete_stale_sessions = yes
        read_clients = no
        client_table = "nas"
        group_attribute = "SQL-Group"
        pool {{
            start = 5
            min = 3
            max = 32
            spare = 10
            uses = 0
            retry_delay = 30
            lifetime = 0
            idle_timeout = 60
        }}
        $INCLUDE {queries}
    }}
"""

# The stock `acct_unique` policy's hash, for a NAS that sends no Class.
_UNIQUE_ID: Final = (
    "%{md5:%{User-Name},%{Acct-Session-ID},%{NAS-IP-Address},%{NAS-Identifier},%{NAS-Port}}"
)

_CONFIG: Final = """
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = {dir}
sbindir = /usr/sbin
logdir = {dir}/log
raddbdir = {dir}
radacctdir = {dir}/radacct
name = freeradius
confdir = {dir}
modconfdir = {mods_config}
run_dir = {dir}/run
db_dir = {dir}
libdir = /usr/lib/freeradius
pidfile = {dir}/run/freeradius.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 16384
hostname_lookups = no
proxy_requests = no
log {{
    destination = files
    file = {dir}/log/radius.log
    colourise = no
    auth = no
}}
security {{
    allow_core_dumps = no
    max_attributes = 200
    reject_delay = 1
    status_server = yes
}}
client bench {{
    ipaddr = {nas_ip}
    secret = {secret}
    require_message_authenticator = yes
    nas_type = other
}}
thread pool {{
    start_servers = 5
    max_servers = 32
    min_spare_servers = 3
    max_spare_servers = 10
    max_requests_per_server = 0
    auto_limit_acct = no
}}
modules {{
    expr {{
    }}
    pap {{
    }}
    files {{
        filename = {dir}/users
        acctusersfile = {dir}/acct_users
    }}
    detail {{
        filename = {dir}/radacct/detail
        permissions = 0600
        header = "%t"
    }}
{sql_module}
}}
policy {{
    acct_unique {{
        update request {{
            &Acct-Unique-Session-Id := "{unique_id}"
        }}
    }}
}}
server bench {{
    listen {{
        type = auth
        ipaddr = {nas_ip}
        port = {auth_port}
    }}
    listen {{
        type = acct
        ipaddr = {nas_ip}
        port = {acct_port}
    }}
    authorize {{
        # 3.2.1 signs an Access-Accept only when asked to (3.2.5 added it by default);
        # provisiond always does (BlastRADIUS), so FreeRADIUS does the same work here.
        update reply {{
            &Message-Authenticator := 0x00
        }}
        {authorize}
        pap
    }}
    authenticate {{
        Auth-Type PAP {{
            pap
        }}
    }}
    preacct {{
        acct_unique
    }}
    accounting {{
        {accounting}
    }}
}}
"""


def write_config(directory: Path, setup: Setup, auth_port: int, acct_port: int) -> None:
    for sub in ("log", "run", "radacct"):
        (directory / sub).mkdir()
    (directory / "users").write_text(users_file())
    (directory / "acct_users").write_text("")
    sql_module = ""
    if setup == "sql":
        database = directory / "radius.db"
        create_sql_database(database)
        sql_module = _SQL_MODULE.format(database=database, queries=_SQLITE_QUERIES)
    config = _CONFIG.format(
        dir=directory,
        mods_config=STOCK_MODS_CONFIG,
        nas_ip=radius_world.NAS_IP,
        secret=radius_world.SECRET,
        auth_port=auth_port,
        acct_port=acct_port,
        sql_module=sql_module,
        unique_id=_UNIQUE_ID,
        authorize="sql" if setup == "sql" else "files",
        accounting="sql" if setup == "sql" else "detail",
    )
    (directory / "radiusd.conf").write_text(config)


class FreeRadius:
    """`with FreeRadius("files", core=0) as server:` the auth and acct addresses."""

    def __init__(self, setup: Setup, *, core: int) -> None:
        self.setup = setup
        self._core = core
        self._tmp = tempfile.TemporaryDirectory(prefix=f"bench-freeradius-{setup}-")
        self.directory = Path(self._tmp.name)
        self.auth = (radius_world.NAS_IP, _free_port())
        self.acct = (radius_world.NAS_IP, _free_port())
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("FreeRADIUS is not running")
        return self._process.pid

    def __enter__(self) -> FreeRadius:
        write_config(self.directory, self.setup, self.auth[1], self.acct[1])
        # The child inherits affinity and scheduling class, so every thread FreeRADIUS
        # starts runs like provisiond's server; this process then goes back to its own.
        affinity, policy = os.sched_getaffinity(0), os.sched_getscheduler(0)
        param = os.sched_getparam(0)
        pin(self._core, prioritise=True)
        try:
            self._process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [BINARY, "-f", "-d", str(self.directory)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        finally:
            os.sched_setaffinity(0, affinity)
            os.sched_setscheduler(0, policy, param)
        try:
            self._wait_ready()
        except BaseException:
            self._stop()
            raise
        return self

    def _wait_ready(self) -> None:
        log = self.directory / "log" / "radius.log"
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self._process is not None  # noqa: S101 - set by __enter__
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                _, errors = self._process.communicate()
                raise RuntimeError(
                    f"FreeRADIUS ({self.setup}) exited: {errors.decode(errors='replace')[-2000:]}"
                    f"{self.log_tail()}"
                )
            if log.is_file() and _READY in log.read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"FreeRADIUS ({self.setup}) did not start: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "log" / "radius.log"
        if not log.is_file():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def count(self, errors: str) -> int:
        """How many log lines mention `errors` (e.g. "database is locked")."""
        log = self.directory / "log" / "radius.log"
        if not log.is_file():
            return 0
        return sum(errors in line for line in log.read_text(errors="replace").splitlines())

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()
        self._tmp.cleanup()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
        self._process = None
