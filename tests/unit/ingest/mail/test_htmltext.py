"""HTML bodies: nothing active or remote survives sanitizing; the text reads like the mail."""

from __future__ import annotations

import pytest

from dumas.ingest.mail.htmltext import html_to_text, is_too_deep, sanitize_html


@pytest.mark.parametrize(
    "hostile, banned",
    [
        ("<script>alert('x')</script>aman", "alert"),
        ("<style>body{background:url(http://t.example/x)}</style>aman", "t.example"),
        ('<img src="http://tracker.example/p.gif">aman', "tracker.example"),
        ('<img srcset="http://tracker.example/p.gif 1x">aman', "tracker.example"),
        ('<img src="cid:foto@dumas">aman', "cid:"),
        ('<a href="javascript:alert(1)">klik</a>', "javascript"),
        ('<a href="JaVaScRiPt:alert(1)">klik</a>', "alert"),
        ('<a href="file:///etc/passwd">klik</a>', "file:"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">klik</a>', "data:"),
        ('<a href="../relatif.html">klik</a>', "relatif"),
        ('<p onclick="steal()" style="x">aman</p>', "steal"),
        ('<iframe src="https://evil.example"></iframe>aman', "evil.example"),
        ('<form action="https://evil.example"><input name=x></form>aman', "evil.example"),
        ('<link rel=stylesheet href="https://evil.example/a.css">aman', "evil.example"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">aman', "evil.example"),
        ("<!-- komentar rahasia -->aman", "rahasia"),
    ],
)
def test_sanitize_removes_active_and_remote_content(hostile, banned):
    cleaned = sanitize_html(hostile)
    assert banned.lower() not in cleaned.lower()


def test_sanitize_keeps_formatting_and_safe_links():
    html = (
        '<p><b>Tebal</b> <i>miring</i> <a href="https://kpu.go.id/">KPU</a> '
        '<a href="mailto:pengaduan@dumas.test">surel</a></p><table><tr><td>1</td></tr></table>'
    )
    cleaned = sanitize_html(html)
    for kept in (
        "<b>Tebal</b>",
        "<i>miring</i>",
        'href="https://kpu.go.id/"',
        'href="mailto:pengaduan@dumas.test"',
        "<td>1</td>",
        'rel="noopener noreferrer"',
    ):
        assert kept in cleaned
    assert "<img" in sanitize_html('<img src="x" alt="foto">') and 'alt="foto"' in sanitize_html(
        '<img src="x" alt="foto">'
    )


def test_text_blocks_breaks_lists_and_entities():
    html = (
        "<h1>Laporan</h1><p>Baris&nbsp;satu<br>baris   dua &amp; &quot;tiga&quot; &#8211; "
        "&eacute;</p><div>blok</div><div>blok dua</div><ol><li>satu</li><li>dua</li></ol>"
    )
    assert html_to_text(html).splitlines() == [
        "Laporan",
        "",
        "Baris satu",
        'baris dua & "tiga" – é',
        "",
        "blok",
        "blok dua",
        "",
        "- satu",
        "- dua",
    ]


def test_text_links_show_their_address_once():
    html = (
        '<p>Lihat <a href="https://kpu.go.id/x">di sini</a>, '
        '<a href="https://kpu.go.id/">https://kpu.go.id</a>, '
        '<a href="mailto:a@b.id">a@b.id</a>, <a href="javascript:x()">klik</a>, '
        '<a href="https://foto.example/1"></a></p>'
    )
    assert html_to_text(html) == (
        "Lihat di sini (https://kpu.go.id/x), https://kpu.go.id, "
        "a@b.id, klik, https://foto.example/1"
    )


def test_text_drops_scripts_styles_and_title():
    html = (
        "<html><head><title>Judul</title><style>.a{color:red}</style></head>"
        "<body><script>var rahasia=1;</script><p>Isi</p></body></html>"
    )
    assert html_to_text(html) == "Isi"


def test_text_quotes_blockquotes_and_keeps_pre():
    html = (
        "<p>Setuju.</p><blockquote><p>Pada Senin, Budi menulis:</p>"
        "<blockquote>asal</blockquote><p>balasan</p></blockquote>"
        "<pre>  kolom   1\n  kolom   2</pre>"
    )
    assert html_to_text(html).splitlines() == [
        "Setuju.",
        "",
        "> Pada Senin, Budi menulis:",
        ">",
        "> > asal",
        ">",
        "> balasan",
        "",
        "  kolom   1",
        "  kolom   2",
    ]


def test_table_cells_are_separated():
    html = "<table><tr><td>Nama</td><td>Budi</td></tr><tr><th>TPS</th><td>03</td></tr></table>"
    assert html_to_text(html) == "Nama Budi\nTPS 03"


def test_empty_and_broken_html():
    assert html_to_text("") == ""
    assert html_to_text("<p><b>tak ditutup <i>miring") == "tak ditutup miring"
    assert html_to_text("<<<>>> &bogus; <p") == "<<<>>> &bogus;"


def test_html_nested_too_deeply_is_reduced_to_escaped_text():
    hostile = "<div>" * 30000 + "teks <b>tebal</b> &lt;tag&gt;" + "<script>x()</script>"
    assert is_too_deep(hostile)
    assert sanitize_html(hostile) == "<pre>teks tebal &lt;tag&gt;</pre>"
    assert html_to_text(hostile) == "teks tebal <tag>"


def test_ordinary_nesting_is_not_too_deep():
    assert not is_too_deep("<div>" * 50 + "<p>x" * 5000 + "<br><img src=x>" * 5000)
    assert not is_too_deep(("<div>" * 200 + "x" + "</div>" * 200) * 50)


def test_quote_prefix_is_bounded():
    text = html_to_text("<blockquote>" * 40 + "dalam")
    assert text == "> " * 8 + "dalam"
