"""Intake speed, against the rig's real Dovecot (run: `make bench` or `python -m bench.intake`).

Prints, in one run on the same machine:
1. N messages (default 2,000) APPENDed to a mailbox: the time of a bare imapclient fetch of them
   to files (the floor: network + disk), the time of `dumas poll --only intake` ingesting them
   (parse, classify, register, store, commit), and the ratio (target: <= 10x).
2. A mailbox of 20,000 old, already-ingested messages with none new: the time of a poll, against
   the same on a 100-message mailbox (target: <= 1.5x — the cursor means old mail costs nothing).
Each `dumas poll` is a fresh process, timed from outside, so start-up costs are included.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imapclient import IMAPClient  # noqa: E402

from tests import mailfactory as mf  # noqa: E402
from tests.rig import MailRig, write_config  # noqa: E402


def messages(n: int, seed: int = 7) -> list[bytes]:
    """A realistic mix: plain, HTML-only, with a photo, incomplete, automatic."""
    rng = random.Random(seed)
    photo = mf.tiny_jpeg()
    out = []
    for i in range(n):
        kind = rng.random()
        sender = f"Warga {i} <warga{i}@gmail.com>"
        if kind < 0.1:
            out.append(mf.out_of_office(sender=f"pejabat{i}@instansi.example"))
        elif kind < 0.4:
            out.append(
                mf.complaint(
                    sender=sender,
                    subject=f"Laporan {i}",
                    body=None,
                    html=f"<p>{mf.KOMPLAIN_LENGKAP.replace(chr(10), '<br>')}</p>",
                )
            )
        elif kind < 0.7:
            out.append(
                mf.complaint(
                    sender=sender,
                    subject=f"Pengaduan {i}",
                    attachments=[(f"bukti{i}.jpg", "image/jpeg", photo)],
                )
            )
        else:
            out.append(
                mf.complaint(
                    sender=sender,
                    subject=f"Pengaduan {i}",
                    body=mf.KOMPLAIN_KURANG * rng.randint(1, 20),
                )
            )
    return out


def bare_fetch(rig: MailRig, user, folder: Path) -> float:
    """The floor: log in, fetch every message with BODY.PEEK[], write each to a file."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    client = IMAPClient(rig.host, port=rig.imap_port, ssl=False)
    client.login(user.address, user.password)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 100):
        for uid, data in client.fetch(uids[i : i + 100], ["BODY.PEEK[]"]).items():
            (folder / f"{uid}.eml").write_bytes(data[b"BODY[]"])
    client.logout()
    return time.perf_counter() - started


def dumas(config: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def fresh_instance(rig: MailRig, root: Path, name: str, raws: list[bytes]) -> Path:
    office = rig.new_office()
    rig.append_many(office.pengaduan, raws)
    config = write_config(rig, root / name, office.pengaduan, office.roles)
    dumas(config, "init")
    return config


def bench_intake(rig: MailRig, root: Path, n: int, rounds: int) -> None:
    raws = messages(n)
    office = rig.new_office()
    rig.append_many(office.pengaduan, raws)
    # The floor, measured the same way as dumas: the median of a few runs, in a fresh process.
    bare = statistics.median(
        bare_process(rig, office.pengaduan, root / f"bare{i}") for i in range(rounds)
    )
    bare_inline = statistics.median(
        bare_fetch(rig, office.pengaduan, root / f"inline{i}") for i in range(rounds)
    )
    config = write_config(rig, root / "intake", office.pengaduan, office.roles)
    dumas(config, "init")
    ours = dumas(config, "poll", "--only", "intake")
    idle = statistics.median(dumas(config, "poll", "--only", "intake") for _ in range(rounds))
    registration = dumas(config, "poll", "--only", "registration")
    print(f"intake of {n} messages ({sum(map(len, raws)) / 1e6:.1f} MB):")
    print(
        f"  bare imapclient fetch to files: {bare:.2f} s as a process "
        f"({bare_inline:.2f} s of it fetching)"
    )
    print(
        f"  dumas poll --only intake:       {ours:.2f} s as a process "
        f"({ours - idle:.2f} s beyond a poll with nothing new)"
    )
    print(
        f"  ratio {ours / bare:.1f}x process to process, {(ours - idle) / bare_inline:.1f}x "
        f"fetching to ingesting (target <= 10x); {n / (ours - idle):.0f} messages/s"
    )
    print(
        f"  then the registration job (numbers, acknowledgements, desk tasks): "
        f"{registration:.2f} s for the complaints among them"
    )


def bare_process(rig: MailRig, user, folder: Path) -> float:
    code = (
        f"import sys; from pathlib import Path; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r}); "
        "from bench.intake import bare_login_fetch; bare_login_fetch(*sys.argv[1:])"
    )
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            rig.host,
            str(rig.imap_port),
            user.address,
            user.password,
            str(folder),
        ],
        check=True,
    )
    return time.perf_counter() - started


def bare_login_fetch(host: str, port: str, user: str, password: str, folder: str) -> None:
    """What `bare_process` runs: the fetch loop of `bare_fetch`, in a fresh interpreter."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    client = IMAPClient(host, port=int(port), ssl=False)
    client.login(user, password)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 100):
        for uid, data in client.fetch(uids[i : i + 100], ["BODY.PEEK[]"]).items():
            (out / f"{uid}.eml").write_bytes(data[b"BODY[]"])
    client.logout()


def bench_empty_poll(rig: MailRig, root: Path, big: int, small: int, rounds: int) -> None:
    raws = [mf.complaint(sender=f"w{i}@gmail.com", subject=f"Lama {i}") for i in range(big)]
    large = fresh_instance(rig, root, "large", raws)
    little = fresh_instance(rig, root, "small", raws[:small])
    dumas(large, "poll", "--only", "intake")
    dumas(little, "poll", "--only", "intake")
    t_large = statistics.median(dumas(large, "poll", "--only", "intake") for _ in range(rounds))
    t_small = statistics.median(dumas(little, "poll", "--only", "intake") for _ in range(rounds))
    print(
        f"poll with nothing new: {big} old messages {t_large:.3f} s, {small} old messages "
        f"{t_small:.3f} s, ratio {t_large / t_small:.2f}x (target <= 1.5x; median of {rounds})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="messages to ingest")
    parser.add_argument("--old", type=int, default=20000, help="old messages for the empty poll")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dumas-bench-") as tmp, MailRig() as rig:
        bench_intake(rig, Path(tmp), args.n, args.rounds)
        bench_empty_poll(rig, Path(tmp), args.old, 100, args.rounds)


if __name__ == "__main__":
    main()
