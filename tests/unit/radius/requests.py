"""Requests as a NAS builds them, with provisiond's own codec (`request.build_request`):
PAP, CHAP, MS-CHAPv2, Status-Server and accounting. No socket: see
`tests/integration/radius/nas.py` for the NAS that sends them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from provisiond.radius import mschap
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.passwords import chap_response, pap_encode
from provisiond.radius.request import build_request
from provisiond.radius.wire import (
    CHAP_CHALLENGE,
    CHAP_PASSWORD,
    MS_CHAP2_RESPONSE,
    MS_CHAP_CHALLENGE,
    USER_PASSWORD,
    VENDOR_MICROSOFT,
    Code,
    encode_attribute,
    encode_vendor_attribute,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

DICTIONARY = load_dictionary()


class RequestBuilder:
    def __init__(self, secret: str) -> None:
        self.secret = SharedSecret(secret.encode())
        self._identifier = 0

    def next_identifier(self) -> int:
        self._identifier = (self._identifier + 1) % 256
        return self._identifier

    # -- requests --------------------------------------------------------------------------

    def access_request(
        self,
        username: str,
        credentials: bytes = b"",
        *,
        pairs: Sequence[tuple[str, str | int]] = (),
        authenticator: bytes | None = None,
        message_authenticator: bool = True,
        build_credentials: Any = None,
    ) -> bytes:
        authenticator = authenticator or os.urandom(16)
        if build_credentials is not None:
            credentials = build_credentials(authenticator)
        attributes = encode_attributes(DICTIONARY, [("User-Name", username), *pairs]) + credentials
        return build_request(
            Code.ACCESS_REQUEST,
            self.next_identifier(),
            self.secret,
            attributes,
            authenticator=authenticator,
            message_authenticator=message_authenticator,
        )

    def pap(self, username: str, password: str, **options: Any) -> bytes:
        def hidden(authenticator: bytes) -> bytes:
            return encode_attribute(
                USER_PASSWORD, pap_encode(password.encode(), self.secret, authenticator)
            )

        return self.access_request(username, build_credentials=hidden, **options)

    def chap(self, username: str, password: str, **options: Any) -> bytes:
        challenge = os.urandom(16)
        value = bytes((5,)) + chap_response(5, password.encode(), challenge)
        credentials = encode_attribute(CHAP_PASSWORD, value) + encode_attribute(
            CHAP_CHALLENGE, challenge
        )
        return self.access_request(username, credentials, **options)

    def mschapv2(self, username: str, password: str, challenge: bytes, peer: bytes) -> bytes:
        nt_response = mschap.generate_nt_response(
            challenge, peer, username.encode(), mschap.nt_password_hash(password)
        )
        response = bytes((1, 0)) + peer + bytes(8) + nt_response
        credentials = encode_vendor_attribute(
            VENDOR_MICROSOFT, MS_CHAP_CHALLENGE, challenge
        ) + encode_vendor_attribute(VENDOR_MICROSOFT, MS_CHAP2_RESPONSE, response)
        return self.access_request(username, credentials)

    def status_server(self, *, message_authenticator: bool = True) -> bytes:
        return build_request(
            Code.STATUS_SERVER,
            self.next_identifier(),
            self.secret,
            b"",
            authenticator=os.urandom(16),
            message_authenticator=message_authenticator,
        )

    def accounting(
        self, status: str, session_id: str, username: str, *pairs: tuple[str, str | int]
    ) -> bytes:
        attributes = encode_attributes(
            DICTIONARY,
            [
                ("Acct-Status-Type", status),
                ("Acct-Session-Id", session_id),
                ("User-Name", username),
                *pairs,
            ],
        )
        return build_request(
            Code.ACCOUNTING_REQUEST, self.next_identifier(), self.secret, attributes
        )

    def accounting_nas(self, status: str) -> bytes:
        """Accounting-On or -Off: about the NAS, no session."""
        attributes = encode_attributes(
            DICTIONARY, [("Acct-Status-Type", status), ("NAS-Identifier", "core")]
        )
        return build_request(
            Code.ACCOUNTING_REQUEST, self.next_identifier(), self.secret, attributes
        )
