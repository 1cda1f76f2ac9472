"""The `dumas` command line.

Every subcommand is a function `(app, args) -> int`; errors of our own family print one clear line
on stderr and exit non-zero (2 for configuration, 3 for the mail server, 1 otherwise). Library
errors never reach the user as tracebacks.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dumas.config.app import App, clock_from_env
from dumas.config.cli import (
    auth as cli_auth,
)
from dumas.config.cli import (
    backup as cli_backup,
)
from dumas.config.cli import (
    cases as cli_cases,
)
from dumas.config.cli import (
    desk as cli_desk,
)
from dumas.config.cli import (
    export as cli_export,
)
from dumas.config.cli import (
    mailbox as cli_intake,
)
from dumas.config.cli import (
    reports as cli_reports,
)
from dumas.config.settings import load_settings
from dumas.workflow import logs
from dumas.workflow.errors import ConfigError, DumasError, MailServerError

log = logging.getLogger("dumas")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dumas", description="Pengaduan masyarakat by email.")
    parser.add_argument("--config", help="the TOML file (default: $DUMAS_CONFIG or ./dumas.toml)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at DEBUG level (libraries at WARNING)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_intake.add_mailbox_commands(sub)
    cli_cases.add_case_commands(sub)
    cli_desk.add_desk_commands(sub)
    cli_export.add_export_commands(sub)
    cli_reports.add_report_commands(sub)
    cli_backup.add_backup_commands(sub)
    cli_auth.add_auth_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(verbose=args.verbose)
    try:
        app = App(load_settings(args.config), clock=clock_from_env())
        try:
            return args.func(app, args) or 0
        finally:
            app.close()
    except ConfigError as exc:
        print(f"dumas: configuration error: {exc}", file=sys.stderr)
        return 2
    except MailServerError as exc:
        print(f"dumas: mail server error: {exc}", file=sys.stderr)
        return 3
    except DumasError as exc:
        print(f"dumas: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
