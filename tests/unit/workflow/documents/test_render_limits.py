"""Bounded work in documents: the render time limit, line breaks in long tokens, thumbnails.

No assertion here is about time: a render that never returns is a stand-in that sleeps, and the
time limit is what stops it.
"""

from __future__ import annotations

import io
import os
import time
from datetime import UTC
from pathlib import Path

import pytest
from PIL import Image

from dumas.workflow.clock import FrozenClock
from dumas.workflow.documents import render as docrender
from dumas.workflow.documents import thumbnails
from dumas.workflow.documents.job import DocumentRenderer
from dumas.workflow.documents.sample import SampleOffice, sample_case, sample_image
from dumas.workflow.documents.views import MAX_THUMBNAILS, data_uri, view_of
from dumas.workflow.documents.worker import (
    RenderPool,
    RenderTimeout,
    WorkerError,
    render_in_worker,
)
from dumas.workflow.errors import DocumentError
from dumas.workflow.store.db import make_engine, make_sessionmaker
from dumas.workflow.store.models import Base, Document, Event

TINY_TIMEOUT = 2.0  # long enough for a worker to start on a loaded machine


# Stand-ins for the render function; module-level, so the worker process can import them.
def never_returns(kind, context, params) -> bytes:
    time.sleep(3600)
    return b""


def tiny_pdf(kind, context, params) -> bytes:
    return f"%PDF {kind}".encode()


def hangs_on_cetakan(kind, context, params) -> bytes:
    if kind == "cetakan":
        return never_returns(kind, context, params)
    return tiny_pdf(kind, context, params)


def dies(kind, context, params) -> bytes:
    os._exit(9)


def cannot(kind, context, params) -> bytes:
    raise DocumentError("no data")


def test_a_render_that_never_returns_is_stopped_and_the_next_one_runs():
    ctx = sample_case().context()
    with pytest.raises(RenderTimeout):
        render_in_worker("cetakan", ctx, {}, timeout=TINY_TIMEOUT, render_fn=never_returns)
    assert render_in_worker("tanda_terima", ctx, {}, timeout=60, render_fn=tiny_pdf) == (
        b"%PDF tanda_terima"
    )


def test_a_worker_that_dies_is_a_retryable_error_not_a_crash():
    with pytest.raises(WorkerError):
        render_in_worker("cetakan", sample_case().context(), {}, timeout=60, render_fn=dies)


def test_a_document_error_in_the_worker_stays_a_document_error():
    with pytest.raises(DocumentError, match="no data"):
        render_in_worker("cetakan", sample_case().context(), {}, timeout=60, render_fn=cannot)


def its_pid(kind, context, params) -> bytes:
    """The worker's process id, or never returns for a "cetakan" (the hostile document)."""
    if kind == "cetakan":
        return never_returns(kind, context, params)
    return str(os.getpid()).encode()


def test_a_pool_worker_renders_many_documents_and_is_replaced_only_past_a_limit():
    """Issue 11 item 3: one process renders document after document (no start-up and cold caches
    each time); a document over its limit still kills its worker, and a fresh one takes over."""
    ctx = sample_case().context()
    with RenderPool(1, timeout=TINY_TIMEOUT, render_fn=its_pid) as pool:
        first = {pool.render("tanda_terima", ctx, {}) for _ in range(3)}
        assert len(first) == 1
        with pytest.raises(RenderTimeout):
            pool.render("cetakan", ctx, {})
        with pytest.raises(ProcessLookupError):  # killed, not left to finish
            os.kill(int(first.pop()), 0)
        second = {pool.render("tanda_terima", ctx, {}) for _ in range(2)}
        assert len(second) == 1 and second.isdisjoint(first)


def test_a_pool_worker_survives_a_failed_render_and_a_dead_one_is_replaced():
    ctx = sample_case().context()
    with RenderPool(1, timeout=60, render_fn=cannot) as pool:
        for _ in range(2):
            with pytest.raises(DocumentError, match="no data"):
                pool.render("cetakan", ctx, {})
    with RenderPool(1, timeout=60, render_fn=dies) as pool:
        for _ in range(2):
            with pytest.raises(WorkerError):
                pool.render("cetakan", ctx, {})


def test_the_real_renderer_runs_in_the_worker():
    pdf = render_in_worker("tanda_terima", sample_case().context(), {}, timeout=120)
    assert pdf.startswith(b"%PDF")


class _Files:
    """The two FileStore methods the job uses, in memory."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def read(self, key: str) -> bytes:
        return self.files[key]

    def put(self, kind: str, data: bytes, sync: bool = False) -> tuple[str, str]:
        key = f"{kind}/{len(self.files)}"
        self.files[key] = data
        return key, "0" * 64


class _Office(SampleOffice):
    tz = UTC


def test_the_job_marks_a_document_over_its_time_limit_failed_and_renders_the_next(tmp_path: Path):
    job, sessions = _job_with(
        tmp_path, ["cetakan", "tanda_terima"], hangs_on_cetakan, timeout=TINY_TIMEOUT
    )

    assert job.run() == {"rendered": 1, "retry": 0, "failed": 1}

    with sessions() as session:
        docs = {d.kind: d for d in session.query(Document)}
        assert docs["cetakan"].status == "failed"
        assert "stopped" in docs["cetakan"].error
        assert docs["tanda_terima"].status == "rendered"
        timeline = [e.summary for e in session.query(Event).where(Event.kind == "dokumen_gagal")]
        assert timeline and "cetakan-0.pdf" in timeline[0]


def records_order(kind, context, params) -> bytes:
    """Appends the kind to the file `params["log"]` names (the worker is another process, forked
    from a server started earlier: its environment is not the test's)."""
    with open(params["log"], "a") as out:
        out.write(kind + "\n")
    return tiny_pdf(kind, context, params)


def _job_with(
    tmp_path: Path, kinds: list[str], render_fn, workers: int = 1, params=None, timeout=30.0
):
    sample = sample_case()
    engine = make_engine(f"sqlite:///{tmp_path / 'dumas.sqlite3'}")
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    now = sample.pengaduan.received_at
    sample.raw.fetched_at, sample.raw.disposition = now, "complaint"
    sample.raw.pengaduan_id = sample.pengaduan.id
    with sessions() as session, session.begin():
        session.add_all([sample.pengaduan, sample.raw, *sample.attachments])
        session.flush()
        for n, kind in enumerate(kinds):
            session.add(
                Document(
                    pengaduan_id=sample.pengaduan.id,
                    kind=kind,
                    filename=f"{kind}-{n}.pdf",
                    created_at=now,
                    params=params or {},
                )
            )
    job = DocumentRenderer(
        sessions,
        _Files(sample.files),  # type: ignore[arg-type]
        _Office(),
        FrozenClock(now),
        render_timeout=timeout,
        render_fn=render_fn,
        workers=workers,
    )
    return job, sessions


def test_receipts_render_first_and_the_job_drains_the_whole_backlog(tmp_path):
    """Issue 11 item 3: an acknowledgement waits for its tanda terima only, so receipts go
    before print-outs; and the job keeps going past one batch (it stopped at 200 before)."""
    order = tmp_path / "order.txt"
    kinds = ["cetakan", "lembar_disposisi", "tanda_terima"] * 5  # more than one batch
    job, sessions = _job_with(tmp_path, kinds, records_order, params={"log": str(order)})
    assert job.run() == {"rendered": 15, "retry": 0, "failed": 0}
    rendered = order.read_text().split()
    assert rendered[:5] == ["tanda_terima"] * 5
    assert sorted(rendered[5:]) == sorted(["cetakan", "lembar_disposisi"] * 5)
    with sessions() as session:
        assert {d.status for d in session.query(Document)} == {"rendered"}


def test_each_stored_receipt_is_announced(tmp_path):
    """The cycle sends an acknowledgement as soon as its tanda terima is stored (config/cycle.py):
    the job says so once per receipt, and not for the print-outs."""
    kinds = ["cetakan", "tanda_terima", "lembar_disposisi", "tanda_terima"]
    job, sessions = _job_with(tmp_path, kinds, tiny_pdf)
    announced: list[set[str]] = []

    def receipt_ready() -> None:
        with sessions() as session:
            announced.append({d.kind for d in session.query(Document) if d.status == "rendered"})

    assert job.run(receipt_ready=receipt_ready)["rendered"] == 4
    assert announced == [{"tanda_terima"}, {"tanda_terima"}]


def test_new_mail_waits_for_the_receipts_but_not_for_the_print_outs(tmp_path):
    """`make_way` (the daemon saw new mail): the run ends once only print-outs are left, so
    intake runs again soon; every receipt is rendered first all the same."""
    kinds = ["cetakan"] * 6 + ["tanda_terima"] * 6
    job, sessions = _job_with(tmp_path, kinds, tiny_pdf)
    job.run(make_way=lambda: True)
    with sessions() as session:
        docs = list(session.query(Document))
        assert {d.status for d in docs if d.kind == "tanda_terima"} == {"rendered"}
        assert [d.status for d in docs if d.kind == "cetakan"].count("pending") >= 2
    assert job.run()["rendered"] >= 2  # the next run renders the rest
    with sessions() as session:
        assert {d.status for d in session.query(Document)} == {"rendered"}


def test_a_limit_and_a_stop_are_kept(tmp_path):
    log = {"log": str(tmp_path / "order.txt")}
    job, _ = _job_with(tmp_path, ["cetakan"] * 6, records_order, params=log)
    assert job.run(limit=2)["rendered"] == 2
    assert job.run(should_stop=lambda: True) == {"rendered": 0, "retry": 0, "failed": 0}
    assert job.run()["rendered"] == 4


def test_two_workers_render_at_once(tmp_path):
    """With two workers, two renders overlap: each waits (up to a bound) for the other to start,
    which only happens when both run at the same time."""
    rv = {"log": str(tmp_path / "rv")}
    job, _ = _job_with(tmp_path, ["cetakan", "lembar_disposisi"], rendezvous, workers=2, params=rv)
    assert job.run() == {"rendered": 2, "retry": 0, "failed": 0}
    # One at a time, the first would wait out its bound and only the second would meet.
    assert sorted(p.name for p in (tmp_path / "rv").glob("*.met")) == [
        "cetakan.met",
        "lembar_disposisi.met",
    ]


def rendezvous(kind, context, params) -> bytes:
    """Marks its start, then polls (bounded) for the other render's start: both write `.met`
    only when they ran at the same time."""
    folder = Path(params["log"])
    folder.mkdir(exist_ok=True)
    (folder / f"{kind}.started").touch()
    other = "lembar_disposisi" if kind == "cetakan" else "cetakan"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if (folder / f"{other}.started").exists():
            (folder / f"{kind}.met").touch()
            break
        time.sleep(0.01)
    return tiny_pdf(kind, context, params)


# --- line breaks -----------------------------------------------------------------------------


def test_a_body_starting_with_data_gets_break_opportunities():
    # "é": not a break opportunity itself, and never in the base64 of our own images
    body = "data:" + "é" * 5000
    html = docrender.render_html("cetakan", sample_case(body=body).context())
    assert "é" * 100 in body and "é" * (docrender.BREAK_EVERY + 1) not in html
    assert html.count(docrender.ZWSP) >= len(body) // docrender.BREAK_EVERY


def test_our_own_data_uris_stay_whole():
    uri = data_uri("image/png", b"\0" * 300)
    assert docrender._breakable(uri) == uri
    assert docrender._breakable(str(uri)) != uri  # the same text from a citizen is broken up


# --- thumbnails ------------------------------------------------------------------------------


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


def test_an_image_that_would_decode_past_the_pixel_budget_gets_no_thumbnail():
    side = int(thumbnails.PIXEL_BUDGET**0.5) + 10
    assert thumbnails.make_thumbnail(_png((side, side))) == b""
    assert thumbnails.make_thumbnail(_png((600, 400))) != b""


def test_a_large_jpeg_is_judged_by_what_it_decodes_at_draft_scale():
    photo = sample_image("JPEG", (5000, 3000), "#4a7")  # 15 MP, decoded at 1/8
    assert thumbnails.make_thumbnail(photo) != b""


def test_attempts_count_against_the_cap_not_successes():
    sample = sample_case()
    template = sample.attachments[0]
    broken = []
    for i in range(MAX_THUMBNAILS + 3):
        key = f"broken/{i}"
        sample.files[key] = b"not an image %d" % i
        broken.append(
            type(template)(
                id=100 + i,
                pengaduan_id=template.pengaduan_id,
                filename=f"foto-{i}.jpg",
                content_type="image/jpeg",
                size=20,
                sha256=f"{i:064x}",
                storage_key=key,
                step="pengaduan",
            )
        )
    reads: list[str] = []

    def read(key: str) -> bytes:
        reads.append(key)
        return sample.read_file(key)

    view_of(sample.pengaduan, [*broken, template], SampleOffice(), UTC, read)
    assert len([k for k in reads if k.startswith("broken/")]) == MAX_THUMBNAILS
    assert template.storage_key not in reads  # the cap was spent on attempts


def test_each_attachment_is_thumbnailed_once_per_job():
    sample = sample_case()
    cache = thumbnails.ThumbnailCache()
    reads: list[str] = []

    def read(key: str) -> bytes:
        reads.append(key)
        return sample.read_file(key)

    office, tz = SampleOffice(), UTC
    first = view_of(sample.pengaduan, sample.attachments, office, tz, read, thumbnails=cache)
    second = view_of(sample.pengaduan, sample.attachments, office, tz, read, thumbnails=cache)
    images = [a.storage_key for a in sample.attachments if thumbnails.can_thumbnail(a.content_type)]
    assert sorted(reads) == sorted(images)
    assert [a.thumbnail for a in first.case.attachments] == [
        a.thumbnail for a in second.case.attachments
    ]
