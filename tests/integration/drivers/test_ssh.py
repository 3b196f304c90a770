"""The SSH driver against the lab's console: login, pinned host keys, observe, apply."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import asyncssh
import pytest

from provisiond.drivers import (
    ApplyInterruptedError,
    Capabilities,
    OutcomeKind,
    PermanentDriverError,
    RouterOSSshDriver,
    TemporaryDriverError,
    connected,
)
from provisiond.lab.ssh import NO_SHELL
from provisiond.model.secret import Secret
from tests.integration.drivers.support import (
    ADDRESS_LIST,
    PASSWORD,
    QUEUES,
    add,
    adds,
    queue,
    removal,
    setting,
    ssh_settings,
)

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond.lab import LabRouter
    from provisiond.lab.ssh import LabSshServer
    from provisiond.runtime.clock import FakeClock


async def test_login_with_console_options(
    sshd: LabSshServer, ssh: RouterOSSshDriver, clock: FakeClock
) -> None:
    await clock.advance(788_645)  # 1w2d3h4m5s
    assert await ssh.uptime() == 788_645.0
    assert list(sshd.login_options) == ["cet512w"]
    assert list(sshd.scripts) == [":put [/system resource get uptime]"]
    assert logging.getLogger("asyncssh").level == logging.WARNING


async def test_a_wrong_password_is_permanent(sshd: LabSshServer, known_hosts: Path) -> None:
    settings = ssh_settings(sshd.port, known_hosts, password=Secret("wrong-horse"))
    with pytest.raises(PermanentDriverError, match="login refused"):
        await RouterOSSshDriver(settings).connect()


async def test_an_unknown_host_key_is_refused(sshd: LabSshServer, tmp_path: Path) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {other}")
    with pytest.raises(PermanentDriverError, match="host key not trusted"):
        await RouterOSSshDriver(ssh_settings(sshd.port, known_hosts)).connect()
    known_hosts.write_text("")
    with pytest.raises(PermanentDriverError, match="host key not trusted"):
        await RouterOSSshDriver(ssh_settings(sshd.port, known_hosts)).connect()
    assert not sshd.login_options


async def test_a_missing_known_hosts_file_is_permanent(sshd: LabSshServer, tmp_path: Path) -> None:
    with pytest.raises(PermanentDriverError, match="known hosts"):
        await RouterOSSshDriver(ssh_settings(sshd.port, tmp_path / "absent")).connect()


async def test_a_refused_connection_is_temporary(sshd: LabSshServer, known_hosts: Path) -> None:
    await sshd.stop()
    with pytest.raises(TemporaryDriverError, match="connection refused"):
        await RouterOSSshDriver(ssh_settings(sshd.port, known_hosts)).connect()


async def test_observe_per_list_with_flags_and_quoting(
    router: LabRouter, ssh: RouterOSSshDriver
) -> None:
    odd = 'provisiond:1 "quoted" $var ? back\\slash Zürich\ttab'
    ours = router.add_foreign(ADDRESS_LIST, list="a b", address="10.0.0.1/32", comment=odd)
    off = router.add_foreign(ADDRESS_LIST, list="a b", address="10.0.1.7/24", disabled="yes")
    dyn = router.add_dynamic(ADDRESS_LIST, list="a b", address="10.0.0.3", comment="12345")
    router.add_foreign(ADDRESS_LIST, list="other", address="10.0.0.4")
    entries = {e.id: e for e in await ssh.observe(ADDRESS_LIST, lists=["a b", "none"])}
    assert set(entries) == {ours, off, dyn}
    assert entries[ours].attrs == {
        "list": "a b",
        "address": "10.0.0.1",
        "comment": odd,
        "dynamic": "false",
        "disabled": "false",
    }
    assert entries[off].attrs["disabled"] == "true"
    assert entries[off].attrs["address"] == "10.0.1.0/24"
    assert entries[dyn].dynamic
    assert entries[dyn].attrs["comment"] == "12345"


async def test_observe_queues(router: LabRouter, ssh: RouterOSSshDriver) -> None:
    router.add_foreign(QUEUES, name="q 1", target="10.0.0.1", max_limit="2M/10M", comment="c")
    (q,) = await ssh.observe(QUEUES)
    assert q.attrs["target"] == "10.0.0.1"
    assert q.attrs["max-limit"] == "2000000/10000000"
    assert q.attrs["name"] == "q 1"
    with pytest.raises(ValueError, match="per list"):
        await ssh.observe(ADDRESS_LIST)


async def test_apply_in_batches_with_idempotent_traps(
    router: LabRouter, sshd: LabSshServer, known_hosts: Path
) -> None:
    there = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="provisiond:1")
    small = Capabilities(pipeline_depth=1, batch_size=10)
    changes = [
        setting(there, comment='provisiond:2 "x"'),
        setting("*FFF", comment="provisiond:3"),
        *adds(25),
        add("a", "10.0.0.1", 1),
        queue("provisiond-1", "10.0.0.1", "1M/2M", 1),
        removal("*FFE"),
    ]
    driver = RouterOSSshDriver(ssh_settings(sshd.port, known_hosts), capabilities=small)
    async with connected(driver):
        result = await driver.apply(changes)
    kinds = [o.kind for o in result.outcomes]
    assert kinds == [
        OutcomeKind.APPLIED,
        OutcomeKind.GONE,
        *[OutcomeKind.APPLIED] * 25,
        OutcomeKind.PRESENT,
        OutcomeKind.APPLIED,
        OutcomeKind.GONE,
    ]
    rows = {row[".id"]: row for row in router.table(ADDRESS_LIST)}
    assert rows[there]["comment"] == 'provisiond:2 "x"'
    assert {rows[str(o.entry_id)]["address"] for o in result.outcomes[2:27]} == {
        c.entry["address"] for c in changes[2:27]
    }
    # The sets fit one script. The adds take three of 10, 10 and 7, the last cut short by
    # the duplicate, so a fourth carries the queue after it. Then the remove.
    assert len(sshd.scripts) == 1 + 4 + 1


async def test_a_rejected_change_does_not_stop_the_batch(
    router: LabRouter, ssh: RouterOSSshDriver
) -> None:
    changes = [*adds(3), add("a", "10.0.0.1", 1, path="/ip/firewall/nothing"), *adds(6)[3:]]
    result = await ssh.apply(changes)
    (rejected,) = result.rejected
    assert rejected.change == changes[3]
    assert "bad command name" in rejected.trap.message or "no such" in rejected.trap.message
    assert len(result.applied) == 6
    assert len(router.table(ADDRESS_LIST)) == 6


async def test_a_dropped_connection_is_temporary(
    sshd: LabSshServer, ssh: RouterOSSshDriver
) -> None:
    await sshd.drop_connections()
    with pytest.raises(ApplyInterruptedError) as caught:
        await ssh.apply(adds(3))
    assert caught.value.result.outcomes == ()
    await ssh.connect()
    assert len((await ssh.apply(adds(3))).applied) == 3


async def test_remove_sends_only_the_id(
    router: LabRouter, sshd: LabSshServer, ssh: RouterOSSshDriver
) -> None:
    entry = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="x")
    change = removal(entry)
    result = await ssh.apply([change])
    assert result.outcomes[0].kind is OutcomeKind.APPLIED
    assert sshd.scripts[-1] == f'/ip firewall address-list remove {entry}; :put "="'
    assert router.table(ADDRESS_LIST) == []


async def test_the_lab_console_has_no_interactive_shell(
    sshd: LabSshServer, known_hosts: Path
) -> None:
    async with asyncssh.connect(
        "127.0.0.1",
        port=sshd.port,
        username="admin",
        password=PASSWORD,
        known_hosts=str(known_hosts),
        client_keys=None,
        agent_path=None,
        config=None,
    ) as conn:
        result = await conn.run(check=False)
    assert result.exit_status == 1
    assert result.stderr == NO_SHELL
