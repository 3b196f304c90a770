"""The signature of DESIGN.md §6 and the receiver's check of docs/triggers.md."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from pathlib import Path

from provisiond.events import signing
from provisiond.model.secret import Secret

BODY = b'{"id":1}'


def test_the_signature_covers_timestamp_and_body() -> None:
    headers = signing.headers(Secret("s3cret"), 1767225600, BODY)
    expected = hmac.new(b"s3cret", b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert headers == {
        "X-Provisiond-Timestamp": "1767225600",
        "X-Provisiond-Signature": f"sha256={expected}",
    }


def test_verify_refuses_a_replay_a_forgery_and_junk() -> None:
    signature = signing.signature("s3cret", 1000, BODY)

    def check(timestamp: str, sig: str, body: bytes = BODY, now: int = 1010) -> bool:
        return signing.verify(
            "s3cret", timestamp=timestamp, signature_header=sig, body=body, now=now, tolerance=300
        )

    assert check("1000", signature)
    assert not check("1000", signature, now=2000)  # too old: a replay
    assert not check("1001", signature)  # another timestamp
    assert not check("1000", signature, body=b'{"id":2}')
    assert not check("abc", signature)


def test_the_receiver_example_in_the_docs_accepts_our_signature() -> None:
    text = (Path(__file__).parents[3] / "docs" / "triggers.md").read_text()
    example = re.findall(r"```python\n(.*?)```", text, re.DOTALL)[0]
    namespace: dict[str, object] = {}
    exec(compile(example, "docs/triggers.md", "exec"), namespace)  # noqa: S102 - our own docs
    verify = namespace["verify"]
    assert callable(verify)
    now = int(time.time())
    headers = signing.headers(Secret("s3cret"), now, BODY)
    assert verify("s3cret", headers, BODY)
    assert not verify("s3cret", headers, BODY + b" ")
    assert not verify("other", headers, BODY)
