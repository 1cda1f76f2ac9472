import os
import stat

import pytest

from dumas.workflow.errors import StorageError
from dumas.workflow.sop.tokens import (
    looks_like_token,
    new_token,
    plus_address,
    same_hash,
    token_from_address,
    token_hash,
    token_in_subject,
)
from dumas.workflow.store.filestore import FileStore


def test_tokens_are_unique_lowercase_and_round_trip_through_the_address():
    tokens = {new_token() for _ in range(500)}
    assert len(tokens) == 500
    for t in list(tokens)[:20]:
        assert looks_like_token(t) and t == t.lower()
        addr = plus_address("pengaduan@kpu.example", t)
        assert token_from_address(addr, "pengaduan@kpu.example") == t
        # servers that fold case keep the token usable
        assert token_from_address(addr.upper(), "pengaduan@kpu.example") == t


@pytest.mark.parametrize(
    "address",
    [
        "pengaduan@kpu.example",
        "pengaduan+short@kpu.example",
        "other+{t}@kpu.example",
        "pengaduan+{t}@evil.example",
        "pengaduan+{t}x@kpu.example",
    ],
)
def test_addresses_without_our_token(address):
    t = new_token()
    assert token_from_address(address.format(t=t), "pengaduan@kpu.example") == ""


def test_token_in_subject_and_hash():
    t = new_token()
    assert token_in_subject(f"Re: [PGD 001/XI/2026 #{t}] Disposisi") == t
    assert token_in_subject("Re: [PGD 001/XI/2026] Disposisi") == ""
    assert same_hash(token_hash(t), token_hash(t)) and not same_hash(
        token_hash(t), token_hash(new_token())
    )


def test_filestore_is_content_addressed_private_and_idempotent(tmp_path):
    store = FileStore(tmp_path)
    key, sha = store.put("raw", b"hello")
    assert key == f"raw/{sha[:2]}/{sha}"
    assert store.put("raw", b"hello") == (key, sha)
    store.flush()
    path = store.path(key)
    assert path.read_bytes() == b"hello"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "raw/aa/../../x",
        "/etc/passwd",
        "raw/aa",
        "evil/aa/" + "a" * 64,
        "raw/aa/" + "A" * 64,
    ],
)
def test_filestore_refuses_foreign_keys(tmp_path, key):
    with pytest.raises(StorageError):
        FileStore(tmp_path).path(key)
