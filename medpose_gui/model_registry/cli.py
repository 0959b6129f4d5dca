"""``medpose-gui models ...``: list, add, download, remove model weights.

    medpose-gui models                       known models and where each is configured
    medpose-gui models add FILE [--name N]   check FILE loads, record it
    medpose-gui models download NAME [--url URL]
    medpose-gui models remove NAME           forget a configured model (the file stays)
    medpose-gui models path NAME             print the weights file a name resolves to
    medpose-gui models use NAME [--role R]   run with this model (window and infer)
    medpose-gui models use --detector-config Y   the detector's YAML config ("" = none)

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
    u = actions.add_parser("use", help="run with this model from now on (the window and "
                                       "'infer' without --detector/--pose)")
    u.add_argument("name", metavar="NAME", nargs="?")
    u.add_argument("--role", choices=("detector", "pose", "user_pose"),
                   help="which role (default: the model's own: detector, pose for patients, "
                        "user_pose for user points)")
    u.add_argument("--detector-config", metavar="Y",
                   help="the detector's detectron2 YAML config (\"\" for none)")


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
        elif action == "use":
            _use(registry, args)
    except ModelRegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _add(registry: Any, args: argparse.Namespace) -> None:
    from medpose_gui.model_registry.registry import describe
    from medpose_gui.model_registry.selection import ROLE_TITLE, choose, chosen_name, role_of

    model, old = registry.add(args.file, args.name, trust=args.trust_checkpoint)
    print(f"added {model.name}: {describe(model)}, {model.path} (sha256 {model.sha256[:12]}...)")
    if old is not None and old.path != model.path:
        print(f"  replaces {old.path}")
    role = role_of(model)
    if chosen_name(registry, role) is None:  # the role had no usable model: this one now
        choose(registry, role, model.name)
    used = chosen_name(registry, role)
    if used == model.name:
        print(f"  runs use it as the {ROLE_TITLE[role]}")
    else:
        print(f"  runs use {used} as the {ROLE_TITLE[role]}; to use this one: "
              f"'medpose-gui models use {model.name}'")


def _download(registry: Any, args: argparse.Namespace) -> None:
    from medpose_gui.model_registry.install import download_model
    from medpose_gui.model_registry.registry import describe

    model = download_model(args.name, url=args.url, registry=registry,
                           trust=args.trust_checkpoint, progress=not args.quiet,
                           log=lambda text: print(text, file=sys.stderr))
    print(f"downloaded {model.name}: {describe(model)} -> {model.path}")


def _use(registry: Any, args: argparse.Namespace) -> None:
    from pathlib import Path

    from medpose_gui.model_registry.errors import ModelRegistryError
    from medpose_gui.model_registry.selection import CONFIG_KEY, choose, role_of

    if args.name is None and args.detector_config is None:
        raise ModelRegistryError("models use: give a model NAME or --detector-config Y")
    if args.name is not None:
        model = registry.get(args.name)
        role = args.role or (role_of(model) if model is not None else None)
        if role is None:
            raise ModelRegistryError(f"no configured model {args.name!r}: add it first with "
                                     "'medpose-gui models add FILE'")
        choose(registry, role, args.name)
        print(f"{role}: {args.name} ({registry.resolve(args.name)})")
    if args.detector_config is not None:
        config = args.detector_config
        if config and not Path(config).is_file():
            raise ModelRegistryError(f"{config}: no such file")
        config = str(Path(config).resolve()) if config else ""
        registry.set_chosen({CONFIG_KEY: config})
        print(f"detector config: {config or 'none'}")


def format_listing(registry: Any) -> str:
    """The ``models`` table: name, kind, what it expects, where it is, then notes."""
    from medpose_gui.model_registry.registry import registry_rows
    from medpose_gui.model_registry.selection import default_model_files

    rows = registry_rows(registry)
    header = ("NAME", "KIND", "EXPECTS", "LOCATION")
    table = [header] + [(r["name"], r["kind"], r["expects"], r["location"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row))
             for row in table]
    lines.append("")
    lines.append("used by the window and 'medpose-gui infer' (change: Inference > Models... or "
                 "'medpose-gui models use NAME'):")
    lines.extend("  " + line for line in default_model_files(registry).describe().splitlines())
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
