"""Command line: `python -m sahel import|datasets|export|extract|db|history|users …` (`--help`)."""

from __future__ import annotations

import argparse
import os
import sys

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
TRACEBACK_ENV = "SAHEL_TRACEBACK"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m sahel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    from sahel import cli, links_cli
    from sahel.extract import cli as extract_cli
    from sahel.store import cli as store_cli

    cli.add_import_command(sub)
    cli.add_datasets_command(sub)
    cli.add_export_command(sub)
    links_cli.add_links_command(sub)
    extract_cli.add_extract_command(sub)
    store_cli.add_db_command(sub)
    store_cli.add_history_command(sub)
    store_cli.add_users_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; errors are one line, never a traceback."""
    from sahel.cli import EXIT_OUTPUT_CLOSED, silence_stdout
    from sahel.datasets import DatasetError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        silence_stdout()
        _error("output closed early (broken pipe)")
        return EXIT_OUTPUT_CLOSED
    except DatasetError as error:
        _error(str(error))
    except OSError as error:  # the store folder, a file to write, a full disk
        where = f": {error.filename}" if error.filename and error.strerror else ""
        _error(f"{error.strerror or error}{where}")
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line for the user, the traceback when asked for
        if os.environ.get(TRACEBACK_ENV):
            raise
        _error(f"unexpected {type(error).__name__}: {error} "
               f"(set {TRACEBACK_ENV}=1 to see the traceback)")
    return EXIT_ERROR


def _error(message: str) -> None:
    from sahel.cli import warn

    warn(f"python -m sahel: {message}")


if __name__ == "__main__":
    sys.exit(main())
