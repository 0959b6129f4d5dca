"""Run the ``medpose-gui`` command in this process, as a user would call it."""

from __future__ import annotations

from medpose_gui.cli import main


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``medpose-gui ARGV`` through the real entry point: (exit status, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err
