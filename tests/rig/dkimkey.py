"""The test rig's DKIM key: staff mail on the rig is signed with it, and its public record is
pinned in every test config (`[replies.dkim_keys]`, written by `tests.rig.write_config`).

TEST KEY ONLY. It is public in this repository and signs nothing outside the tests; it must never
be published in a real DNS zone or pinned in a real office's configuration.

    raw = sign(raw_bytes)                 # a DKIM-Signature for the From domain, prepended
    raw = sign(raw_bytes, domain="x.y")   # for another domain (a forger's own signature)
"""

from __future__ import annotations

from email.utils import parseaddr

import dkim

SELECTOR = "dumas-test"
TEST_ONLY_PRIVATE_KEY = b"""\
-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEA0sKTu/JkrbXzYOHqJQTYmxkdaEMqsY63m3B+c48cmL7xi7Al
oJVII2docSjrpsnvBkczwZWWY6d2o5MNNkliZvNaseStdfIsnRfI+ftQEkDazzcv
CNrHSnTqVkhpcwYq1hZvzLFIJnG9/jeGOIVlXDmmAZxZEd8d+I6aeD68LeENbbQt
uYLuRiPLbHX8+Ebz/vZYih2BVk70QCGvB4Ol8iVglZTmfBF4XP2GzO22zMUltnLU
b1ZdeXlBYukTDs3mBb005xU+SrNr8XErYp1jYgnSUpm4Um7oTd+yMPTXeHEOGhU3
lVnuxC9kP4dj5sLTy+aSHkUeBrHCJi8/yTpb9QIDAQABAoIBAAN5IWYfgHk8Xl5i
WrFxewBTUaC+Op3idDQjjnHpEdeSjfh3VqdmzmGG+rmiqv98pGu+EKRICsppoBLi
AX27h9uadwwncJRZAVM1aSJ1ecRTPUfc6PGEaXRYqOPzHYm/uET+6ai94yp/BVqD
H7set6Tlbk7ofK9Gtf+6meERZ5h57UrmtQ+tZ7g2/+BltiFwyJEnwph6ss5yHM0c
4h7tBrTPHMTHTwPfld7hh/aWqyhie3HvNE8BP1GF5HfdFXHJXGgUzdfH8vi6vKvC
kWzO0NQbRGlqbU6czPYalFHwfWSnQO0SC9hz2pLFhdl0D2sBIoaxb3FeZWfXaR2W
hp/nv6ECgYEA94FPOM/rrxwQQgfecNOZk7VyCmSrotKOlHt/y1x+L90uXm+8qY99
6JSyDaUdaweeAnvR696beBSwwiZiKdGst1nXLphXiWMO7hjeHuCKNQyGQU0+7POa
YowaE8geGxAIc09r9v7i9TC7Z/BcaC5Iu3AUmAD4SojMQ3vsbQSZEt8CgYEA2f5o
whhp4Onn5nRVhqfHcspjLdo7/nsAFBmRARsa4bxbI1ve7IaCFOL8Gk/1ztbHaj3L
Cx+IF+/fuo2zKfsK2uSAHd9iCC5ZQYVRWIIEkiUiu4aT/G2APQJa2gUXXkUsfzfx
GCxX6rtAo20OVRF4yMFH/T4MpICMJFqzmkBGX6sCgYBYDuy1xNwQuEZch9ovgEly
0Sqa4ghi7NEHqQzluKm4s9Psi4qvNTtRxZ231xgpXVNthMpCRjhAN/RPj0J7qHrv
3Qn/LPpwCgtk0PouOCtUBnm5wBb0TROPnlMk2J1FeaXYCNjbzwHGxKjYqR7nfhgo
gA8DqcytEBDErdGHVAx2NwKBgF9QdJ+BKzIzM7k43nhc/cD8KvdOd3LidvtS3mr8
XfmbcMH6FnOWsGPPh2k90v1YPaL/V7sKU2gb8tfPwym04V8qD7aACI4JLe+PCi1H
1BXOdOxHgIcbnbmPQQgYt8n5NuZ9IEZwhRRWQYHzWhPp6sTkdcSNj9uRdTUkD2l/
dwW3AoGAPe6ePpSub7Mun6Hw4V+XuKNt568F9Qiis8isLobucm89Y1C//MvlOJVp
HNoIVAyYcHk7p6RxF/ZzIhlxz5wmUppeem3mY4HsoGidaLkUVTlZ0++hc02p9Pbt
AluPlcwS79/kxWMRU6k75Apy7+d87hHzpCzaVExohpUqjiiCwmg=
-----END RSA PRIVATE KEY-----
"""
PUBLIC_RECORD = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0sKTu/JkrbXzYOHqJQTYmxkdaEMqsY63m3B+c48cmL7xi7AloJVII2docSjrpsnvBkczwZWWY6d2o5MNNkliZvNaseStdfIsnRfI+ftQEkDazzcvCNrHSnTqVkhpcwYq1hZvzLFIJnG9/jeGOIVlXDmmAZxZEd8d+I6aeD68LeENbbQtuYLuRiPLbHX8+Ebz/vZYih2BVk70QCGvB4Ol8iVglZTmfBF4XP2GzO22zMUltnLUb1ZdeXlBYukTDs3mBb005xU+SrNr8XErYp1jYgnSUpm4Um7oTd+yMPTXeHEOGhU3lVnuxC9kP4dj5sLTy+aSHkUeBrHCJi8/yTpb9QIDAQAB"


def record_name(domain: str) -> str:
    return f"{SELECTOR}._domainkey.{domain}"


def pinned(*domains: str) -> dict[str, str]:
    """The `[replies.dkim_keys]` table that trusts the test key for `domains`."""
    return {record_name(d): PUBLIC_RECORD for d in domains}


def sign(raw: bytes, domain: str | None = None) -> bytes:
    """`raw` with a DKIM-Signature (relaxed/relaxed) by `domain`, by default the From domain."""
    if domain is None:
        from_line = next(line for line in raw.split(b"\n") if line.lower().startswith(b"from:"))
        domain = parseaddr(from_line[5:].decode("utf-8", "replace"))[1].rpartition("@")[2]
    signature = dkim.sign(
        raw,
        SELECTOR.encode(),
        domain.encode(),
        TEST_ONLY_PRIVATE_KEY,
        canonicalize=(b"relaxed", b"relaxed"),
    )
    return signature + raw
