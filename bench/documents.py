"""Bench: the time to produce each printable document against a bare WeasyPrint render.

    .venv/bin/python bench/documents.py [--rounds N]

For every document kind, from the sample case, in the same run and interleaved:
- dumas: `documents.render(kind, ctx, params)` — Jinja2 template + WeasyPrint with our
  data-only URL fetcher;
- bare:  `weasyprint.HTML(string=same_html).write_pdf()` — WeasyPrint alone, default settings.
The ratio is median(dumas) / median(bare); the target is ≤ 1.5×. Building the view (`view_of`,
which makes the photo thumbnails) is timed once per case and shown apart, and added to the
cetakan's figure in the last column, since only that document shows the photos.

Then polling 200 complaints against the rig's Dovecot, with rendering on and off (`bench_polling`):
rendering runs after intake has committed, so intake's own time must not change.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the rig lives in tests/

from weasyprint import HTML

from dumas.workflow.documents.render import DOCUMENT_KINDS, render, render_html
from dumas.workflow.documents.sample import SAMPLE_PARAMS, advanced_sample_case

TARGET = 1.5


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_documents(rounds: int) -> bool:
    case = advanced_sample_case()
    view_times = [timed(case.context) for _ in range(rounds)]
    ctx = case.context()
    view_s = statistics.median(view_times)
    print(f"view_of (headers + 2 photo thumbnails): {view_s * 1000:.1f} ms median of {rounds}\n")
    print(f"{'document':18} {'dumas ms':>9} {'bare ms':>9} {'ratio':>6}  {'with view_of':>12}")
    ok = True
    for kind in DOCUMENT_KINDS:
        params = SAMPLE_PARAMS.get(kind, {})
        html = render_html(kind, ctx, params)
        render(kind, ctx, params)  # warm up: fontconfig, Jinja template cache
        ours, bare = [], []
        for _ in range(rounds):  # interleaved, so drift in machine load hits both alike
            ours.append(timed(lambda k=kind, p=params: render(k, ctx, p)))
            bare.append(timed(lambda h=html: HTML(string=h).write_pdf()))
        o, b = statistics.median(ours), statistics.median(bare)
        ratio = o / b
        ok &= ratio <= TARGET
        with_view = f"{(o + view_s) / b:.2f}x" if kind == "cetakan" else ""
        print(f"{kind:18} {o * 1000:9.1f} {b * 1000:9.1f} {ratio:5.2f}x  {with_view:>12}")
    print(f"\ntarget: ratio <= {TARGET}x -> {'met' if ok else 'NOT met'}")
    return ok


def bench_polling(complaints: int = 200) -> None:
    """Intake of `complaints` messages with document rendering on (the whole `dumas poll` cycle)
    and off (`dumas poll --only intake`), each on a fresh mailbox and database, timed by the
    cycle itself (`--json` timings). Rendering runs after intake's commits, so intake's own time
    should not change; the render job's time is printed separately."""
    import json
    import subprocess
    import tempfile

    from tests import mailfactory as mf
    from tests.rig import MailRig, write_config

    photo = mf.tiny_jpeg()
    raws = [
        mf.complaint(
            sender=f"warga{i}@gmail.com",
            subject=f"Pengaduan {i}",
            attachments=[(f"bukti{i}.jpg", "image/jpeg", photo)],
        )
        for i in range(complaints)
    ]

    def poll(rig, root, name, *only):
        office = rig.new_office()
        rig.append_many(office.pengaduan, raws)
        config = write_config(rig, root / name, office.pengaduan, office.roles)
        cli = [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config)]
        subprocess.run([*cli, "init"], check=True, stdout=subprocess.DEVNULL)
        args = [a for job in only for a in ("--only", job)]
        out = subprocess.run(
            [*cli, "poll", "--json", *args], check=True, capture_output=True, text=True
        ).stdout
        return json.loads(out)["timings"]

    with tempfile.TemporaryDirectory(prefix="dumas-bench-") as tmp, MailRig() as rig:
        off = poll(rig, Path(tmp), "off", "intake")
        on = poll(rig, Path(tmp), "on")
    print(
        f"\npolling {complaints} complaints: intake {off['intake']:.2f} s with rendering off, "
        f"{on['intake']:.2f} s with rendering on (ratio {on['intake'] / off['intake']:.2f}x); "
        f"the documents job then took {on['documents']:.1f} s for {complaints * 3} PDFs, "
        "after intake had committed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    bench_documents(args.rounds)
    bench_polling()


if __name__ == "__main__":
    main()
