"""pydantic shapes of accounts and their RADIUS accounts (DESIGN.md §1).

No `from __future__ import annotations`: pydantic reads these annotations at runtime.
"""

from typing import Annotated, ClassVar

from pydantic import Field, StrictBool

from provisiond.model.enums import RadiusKind
from provisiond.model.errors import InvalidError
from provisiond.model.network import Prefix, normalise_mac
from provisiond.model.objects import Account, RadiusAccount
from provisiond.model.secret import Secret
from provisiond.schema.fields import AnyPrefix, Id, IPv4, IPv6Prefix, Name, NonEmptyStr, Timestamp
from provisiond.schema.payloads import Mode, Payload, Shape


class RadiusAccountIn(Shape):
    username: Name
    kind: Annotated[RadiusKind, Field(strict=False)] = RadiusKind.PASSWORD
    password: NonEmptyStr | None = None
    framed_ip: IPv4 | None = None
    framed_ipv6_prefix: IPv6Prefix | None = None
    delegated_ipv6_prefix: IPv6Prefix | None = None

    def build(self, *, path: str, mode: Mode) -> RadiusAccount:
        """`path` is this entry's place (`radius_accounts.N`), for the errors it raises."""
        return RadiusAccount(
            username=self._username(path),
            kind=self.kind,
            password=self._password(path, mode),
            framed_ip=self.framed_ip,
            framed_ipv6_prefix=self.framed_ipv6_prefix,
            delegated_ipv6_prefix=self.delegated_ipv6_prefix,
        )

    def _username(self, path: str) -> str:
        if self.kind is RadiusKind.PASSWORD:
            return self.username
        # NAS devices spell a MAC in many ways; one stored spelling makes usernames unique.
        mac = normalise_mac(self.username)
        if mac is None:
            raise InvalidError(f"{self.username!r} is not a MAC address", field=f"{path}.username")
        return mac

    def _password(self, path: str, mode: Mode) -> Secret | None:
        if self.kind is RadiusKind.MAC:
            if self.password is not None:
                raise InvalidError(
                    "a mac account is not checked by password", field=f"{path}.password"
                )
            return None
        if self.password is None:
            if mode.passwords_required:
                raise InvalidError("required for a new password account", field=f"{path}.password")
            return None
        return Secret(self.password)


class AccountIn(Payload):
    read_only: ClassVar[frozenset[str]] = frozenset({"activated_at"})

    name: Name
    status_id: Id
    type_id: Id | None = None
    group_ids: list[Id] = Field(default_factory=list)
    delinquent: StrictBool = False
    parent_id: Id | None = None
    service_ids: list[Id] = Field(default_factory=list)
    ip_assignments: list[AnyPrefix] = Field(default_factory=list)
    radius_accounts: list[RadiusAccountIn] = Field(default_factory=list)
    activated_at: Timestamp | None = None

    def build(self, mode: Mode) -> Account:
        if self.parent_id is not None and self.parent_id == self.id:
            raise InvalidError("an account cannot be its own parent", field="parent_id")
        return Account(
            id=self.id_or_zero,
            name=self.name,
            status_id=self.status_id,
            type_id=self.type_id,
            group_ids=frozenset(self.group_ids),
            delinquent=self.delinquent,
            parent_id=self.parent_id,
            service_ids=self._service_ids(),
            ip_assignments=self._ip_assignments(),
            radius_accounts=self._radius_accounts(mode),
            activated_at=self.activated_at,
        )

    def _service_ids(self) -> tuple[int, ...]:
        # Ordered (index 0 is the primary service), so a repeat is a mistake, not a no-op.
        for index, service_id in enumerate(self.service_ids):
            if service_id in self.service_ids[:index]:
                raise InvalidError(
                    f"service {service_id} is listed twice", field=f"service_ids.{index}"
                )
        return tuple(self.service_ids)

    def _ip_assignments(self) -> tuple[Prefix, ...]:
        seen: set[Prefix] = set()
        for index, prefix in enumerate(self.ip_assignments):
            if prefix in seen:
                raise InvalidError(f"{prefix} is listed twice", field=f"ip_assignments.{index}")
            seen.add(prefix)
        return tuple(self.ip_assignments)

    def _radius_accounts(self, mode: Mode) -> tuple[RadiusAccount, ...]:
        built: list[RadiusAccount] = []
        for index, entry in enumerate(self.radius_accounts):
            path = f"radius_accounts.{index}"
            account = entry.build(path=path, mode=mode)
            if any(other.username == account.username for other in built):
                raise InvalidError(
                    f"username {account.username!r} is listed twice", field=f"{path}.username"
                )
            built.append(account)
        return tuple(built)
