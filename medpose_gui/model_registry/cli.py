"""``medpose-gui models ...``: list, add, download, remove model weights.

    medpose-gui models                       known models and where each is configured
    medpose-gui models add FILE [--name N]   check FILE loads, record it
    medpose-gui models download NAME [--url URL]
    medpose-gui models remove NAME           forget a configured model (the file stays)
    medpose-gui models path NAME             print the weights file a name resolves to

Registered on the main parser by :func:`add_cli_parser`; heavy imports happen in the handlers.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 2


def add_cli_parser(subparsers: Any) -> None:
    """Register ``models`` on an argparse sub-parsers object (``set_defaults(func=...)``)."""
    p = subparsers.add_parser(
        "models", help="list, add and download model weights",
        description="Model weights known to medpose-gui and where they are on this computer. "
                    "Without an action: the list.")
    p.set_defaults(func=run_models_command, models_action="list")
    actions = p.add_subparsers(dest="models_action", metavar="ACTION")
    actions.add_parser("list", help="known models and where each is configured")
    a = actions.add_parser("add", help="check a weights file loads and record it")
    a.add_argument("file", metavar="FILE", help="detectron2 model_final.pth or ViTPose .pth")
    a.add_argument("--name", help="name to record it under (default: the known model it fits)")
    a.add_argument("--trust-checkpoint", action="store_true",
                   help="allow a file that needs full unpickling (runs code from the file)")
    d = actions.add_parser("download", help="download a known model into the models folder")
    d.add_argument("name", metavar="NAME")
    d.add_argument("--url", help="download from this (direct) link instead of the known one")
    d.add_argument("--trust-checkpoint", action="store_true",
                   help="allow a file that needs full unpickling (runs code from the file)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    r = actions.add_parser("remove", help="forget a configured model (the file stays)")
    r.add_argument("name", metavar="NAME")
    w = actions.add_parser("path", help="print the weights file a model name resolves to")
    w.add_argument("name", metavar="NAME")


def run_models_command(args: argparse.Namespace) -> int:
    """Handler of ``models``; prints ``error: ...`` and returns 2 on bad input."""
    from medpose_gui.model_registry.errors import ModelRegistryError
    from medpose_gui.model_registry.registry import ModelRegistry

    registry = ModelRegistry()
    try:
        action = args.models_action or "list"
        if action == "list":
            print(format_listing(registry))
        elif action == "add":
            _add(registry, args)
        elif action == "download":
            _download(registry, args)
        elif action == "remove":
            old = registry.remove(args.name)
            print(f"forgot {old.name} ({old.path}; the file is kept)")
        elif action == "path":
            print(registry.resolve(args.name))
    except ModelRegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _add(registry: Any, args: argparse.Namespace) -> None:
    from medpose_gui.model_registry.registry import describe

    model, old = registry.add(args.file, args.name, trust=args.trust_checkpoint)
    print(f"added {model.name}: {describe(model)}, {model.path} (sha256 {model.sha256[:12]}...)")
    if old is not None and old.path != model.path:
        print(f"  replaces {old.path}")


def _download(registry: Any, args: argparse.Namespace) -> None:
    from medpose_gui.model_registry.install import download_model
    from medpose_gui.model_registry.registry import describe

    model = download_model(args.name, url=args.url, registry=registry,
                           trust=args.trust_checkpoint, progress=not args.quiet,
                           log=lambda text: print(text, file=sys.stderr))
    print(f"downloaded {model.name}: {describe(model)} -> {model.path}")


def format_listing(registry: Any) -> str:
    """The ``models`` table: name, kind, what it expects, where it is, then notes."""
    from medpose_gui.model_registry.registry import registry_rows

    rows = registry_rows(registry)
    header = ("NAME", "KIND", "EXPECTS", "LOCATION")
    table = [header] + [(r["name"], r["kind"], r["expects"], r["location"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row))
             for row in table]
    lines.append("")
    lines.append(f"models folder: {registry.directory} (set MEDPOSE_DATA_DIR to move it)")
    for r in rows:
        if r["url"] or r["note"]:
            lines.append(f"{r['name']}:")
            if r["url"]:
                lines.append(f"  link: {r['url']}")
            if r["note"]:
                lines.extend(textwrap.wrap(r["note"], 96, initial_indent="  ",
                                           subsequent_indent="  "))
    return "\n".join(lines)
