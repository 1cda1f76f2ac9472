"""Staff domains (where DELEGASI may point by default) leave out public mail providers: a staff
member on Gmail must not make every Gmail user a possible deputy (issue 9)."""

from types import SimpleNamespace

import pytest

from dumas.config.settings import Roles
from dumas.notify.apply import Toolkit
from dumas.workflow.addresses import is_public_provider


def kit(calendar=None, **roles) -> Toolkit:
    base = {
        "desk": ("desk@kpu-mentawai.go.id",),
        "sekretaris": ("Sekretaris.KPU@gmail.com",),
        "hukum": ("hukum@yahoo.co.id",),
        "ketua": ("ketua@mentawai.kpu.go.id",),
    }
    settings = SimpleNamespace(roles=Roles(**{**base, **roles}))
    return Toolkit(settings=settings, composer=None, sop=None, calendar=calendar)  # type: ignore[arg-type]


def test_public_providers_are_no_staff_domain():
    assert kit().staff_domains == {"kpu-mentawai.go.id", "mentawai.kpu.go.id"}


def test_a_public_provider_staff_address_still_holds_its_role():
    assert "sekretaris.kpu@gmail.com" in kit().staff_addresses


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "GoogleMail.com", "yahoo.co.id", "outlook.com", "hotmail.com", "icloud.com"],
)
def test_well_known_providers(domain):
    assert is_public_provider(domain)


def test_an_office_domain_is_not_a_provider():
    assert not is_public_provider("kpu.go.id")


class _Calendar:
    """Just what `_delegation_problem` asks of a `WorkCalendar`."""

    def local_date(self, when):
        return when.date()

    def end_of_day(self, day):
        from datetime import UTC, datetime, time

        return datetime.combine(day, time(23, 59), tzinfo=UTC)


@pytest.mark.parametrize(
    "deputy,delegate_domains,problem",
    [
        ("wakil@kpu-mentawai.go.id", (), ""),
        ("siapa.saja@gmail.com", (), "delegasi_domain"),  # a staff member is on gmail.com
        ("siapa.saja@gmail.com", ("gmail.com",), ""),  # unless the office lists it
    ],
)
def test_delegation_to_a_public_provider_is_refused_unless_listed(
    deputy, delegate_domains, problem
):
    from datetime import UTC, datetime, timedelta

    from dumas.ingest.actions.replies import ReplyHandler
    from dumas.workflow.sop.effects import Decision, Delegate

    toolkit = kit(_Calendar(), delegate_domains=delegate_domains)
    handler = object.__new__(ReplyHandler)  # only the policy check, no numbering rules needed
    handler.kit = toolkit
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    grant = Delegate("sekretaris", deputy, now + timedelta(days=3), "sekretaris.kpu@gmail.com")
    decision = Decision(state=None, effects=(grant,))  # type: ignore[arg-type]
    assert handler._delegation_problem(decision, now) == problem
