"""Make the README's PNG previews of the printable documents from the sample case.

    .venv/bin/python docs/make_previews.py [OUTDIR]     (default: docs/img)

Renders every document kind from `dumas.workflow.docsample` and converts its first page with
`pdftoppm -png -r 60 -singlefile` (poppler-utils). Run it again after changing a template.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from dumas.workflow.docsample import SAMPLE_PARAMS, advanced_sample_case
from dumas.workflow.documents import DOCUMENT_KINDS, render


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    ctx = advanced_sample_case().context()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, spec in DOCUMENT_KINDS.items():
            pdf = Path(tmp) / f"{spec.slug}.pdf"
            pdf.write_bytes(render(kind, ctx, SAMPLE_PARAMS.get(kind, {})))
            target = outdir / spec.slug  # pdftoppm adds ".png" with -singlefile
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(target)],
                           check=True)
            print(f"{target}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "img")
