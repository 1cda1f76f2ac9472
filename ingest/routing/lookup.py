"""`ThreadLookup` over the database: what the reply rules need to recognise a reply to a case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dumas.workflow.sop.numbering import find_case_tag, number_from_tag
from dumas.workflow.sop.tokens import token_from_address, token_hash, token_in_subject
from dumas.workflow.store.cases import case_for_message_ids
from dumas.workflow.store.models import Pengaduan, ReplyToken


class DbThreadLookup:
    def __init__(
        self, session: Session, reply_address: str, own: frozenset[str], case_tag: str, pattern: str
    ):
        self._session = session
        self._reply_address = reply_address
        self._own = own
        self._case_tag = case_tag
        self._pattern = pattern

    def own_addresses(self) -> frozenset[str]:
        return self._own

    def case_for_message_ids(self, ids: tuple[str, ...]) -> int | None:
        return case_for_message_ids(self._session, ids)

    def case_for_token(self, token: str) -> int | None:
        row = self._session.execute(
            select(ReplyToken.pengaduan_id).where(ReplyToken.token_hash == token_hash(token))
        ).first()
        return row[0] if row else None

    def case_for_number(self, number: str) -> int | None:
        row = self._session.execute(select(Pengaduan.id).where(Pengaduan.number == number)).first()
        return row[0] if row else None

    def token_in(self, addresses: tuple[str, ...]) -> str:
        for address in addresses:
            token = token_from_address(address, self._reply_address)
            if token:
                return token
        return ""

    def token_in_subject(self, subject: str) -> str:
        return token_in_subject(subject)

    def number_in_subject(self, subject: str) -> str:
        body = find_case_tag(subject, self._case_tag)
        return number_from_tag(body, self._pattern, self._case_tag) if body else ""
