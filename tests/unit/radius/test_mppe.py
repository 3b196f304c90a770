from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyrad import packet as pyrad_packet

from provisiond.radius import mppe, mschap
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.wire import HEADER_SIZE
from tests.unit.radius.support import AUTHENTICATOR, SECRET, SHARED

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

# RFC 3079 §3.5 sample key derivations (the RFC 2759 exchange).
PASSWORD_HASH = mschap.nt_password_hash("clientPass")
PASSWORD_HASH_HASH = bytes.fromhex("41C00C584BD2D91C4017A2A12FA59F3F")
NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
MASTER_KEY = bytes.fromhex("FDECE3717A8C838CB388E527AE3CDD31")
SEND_START_KEY_128 = bytes.fromhex("8B7CDC149B993A1BA118CB153F56DCCB")


def test_rfc_3079_master_key() -> None:
    assert mppe.get_master_key(PASSWORD_HASH_HASH, NT_RESPONSE) == MASTER_KEY


def test_rfc_3079_send_start_keys() -> None:
    # The RFC's SendStartKey is the server's send key, the client's receive key.
    server_send = mppe.get_asymmetric_start_key(MASTER_KEY, 16, is_send=True, is_server=True)
    client_receive = mppe.get_asymmetric_start_key(MASTER_KEY, 16, is_send=False, is_server=False)
    assert server_send == client_receive == SEND_START_KEY_128
    # The 40- and 56-bit start keys (RFC 3079 §3.5.1-2) are the first 8 octets.
    assert mppe.get_asymmetric_start_key(
        MASTER_KEY, 8, is_send=True, is_server=True
    ) == bytes.fromhex("8B7CDC149B993A1B")


def test_server_keys_are_send_then_receive() -> None:
    send, receive = mppe.server_keys(PASSWORD_HASH, NT_RESPONSE)
    assert send == SEND_START_KEY_128
    assert receive == mppe.get_asymmetric_start_key(MASTER_KEY, 16, is_send=True, is_server=False)
    assert send != receive


@given(key=st.binary(min_size=1, max_size=64), salt=st.integers(0x8000, 0xFFFF))
def test_key_encryption_round_trips(key: bytes, salt: int) -> None:
    hidden = mppe.encrypt_key(key, secret=SHARED, request_authenticator=AUTHENTICATOR, salt=salt)
    assert hidden[:2] == salt.to_bytes(2)
    assert (len(hidden) - 2) % 16 == 0
    assert mppe.decrypt_key(hidden, secret=SHARED, request_authenticator=AUTHENTICATOR) == key


@pytest.mark.parametrize("value", [b"\x80\x01", b"\x80\x01" + bytes(15), b"\x80"])
def test_decrypt_rejects_impossible_sizes(value: bytes) -> None:
    with pytest.raises(MalformedPacket):
        mppe.decrypt_key(value, secret=SHARED, request_authenticator=AUTHENTICATOR)


def test_decrypt_rejects_a_length_octet_beyond_the_value() -> None:
    hidden = mppe.encrypt_key(
        bytes(15), secret=SHARED, request_authenticator=AUTHENTICATOR, salt=0x8001
    )
    with pytest.raises(MalformedPacket):
        mppe.decrypt_key(hidden, secret=SharedSecret(b"other"), request_authenticator=AUTHENTICATOR)


def test_pyrad_decrypts_our_key_attributes(dictionary: Dictionary) -> None:
    send, receive = mppe.server_keys(PASSWORD_HASH, NT_RESPONSE)
    attributes = mppe.key_attributes(
        send_key=send,
        recv_key=receive,
        secret=SHARED,
        request_authenticator=AUTHENTICATOR,
        salt=0x1234,
    )
    datagram = bytes((2, 1)) + (HEADER_SIZE + len(attributes)).to_bytes(2) + bytes(16)
    reply = pyrad_packet.Packet(packet=datagram + attributes, secret=SECRET, dict=dictionary)
    reply.request_authenticator = AUTHENTICATOR
    assert reply["MS-MPPE-Send-Key"] == [send]
    assert reply["MS-MPPE-Recv-Key"] == [receive]


def test_key_attribute_salts_are_unique_with_the_top_bit_set() -> None:
    attributes = mppe.key_attributes(
        send_key=bytes(16),
        recv_key=bytes(16),
        secret=SHARED,
        request_authenticator=AUTHENTICATOR,
        salt=0x0001,
    )
    first, second = attributes[8:10], attributes[8 + attributes[1] : 10 + attributes[1]]
    assert first != second
    assert first[0] & 0x80
    assert second[0] & 0x80
