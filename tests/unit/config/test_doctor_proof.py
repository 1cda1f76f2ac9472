"""What `dumas doctor` says about staff mail that cannot prove its sender."""

from dumas.config.cli.doctor import _explain_unaligned


def test_a_microsoft_365_tenant_signing_only_as_onmicrosoft_is_explained():
    text = _explain_unaligned({"sekretaris@kpu-mentawai.go.id": ["kpumentawai.onmicrosoft.com"]})
    assert "sekretaris@kpu-mentawai.go.id signed by kpumentawai.onmicrosoft.com" in text
    assert "Email authentication settings > DKIM" in text and "selector1" in text


def test_unsigned_staff_mail_is_named_without_the_microsoft_advice():
    text = _explain_unaligned({"desk@kpu-mentawai.go.id": []})
    assert "desk@kpu-mentawai.go.id signed by nobody" in text and "Microsoft" not in text
