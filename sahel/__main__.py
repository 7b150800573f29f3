"""Command line: `python -m sahel import|export|extract ...` (see `--help`)."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m sahel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    from sahel import cli
    from sahel.extract import cli as extract_cli

    cli.add_import_command(sub)
    cli.add_export_command(sub)
    extract_cli.add_extract_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
