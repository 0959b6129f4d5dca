"""The inputs of one ``infer`` over many media: list files, project paths, side-output paths
and shards. Plain data (no torch, no Ray): the local path and the cluster path share it.

Rules (also in ``medpose-gui infer --help`` and the README):

- An INPUT whose name ends in ``.txt`` is a list: one video or frame folder per line; blank
  lines and lines starting with ``#`` are skipped; a relative path is relative to the list
  file's folder (so a list moves with the archive it describes). Media never end in ``.txt``.
- Each input's project goes where a local run of it puts it (:func:`project_path_for`: beside
  the media), or into ``--out-dir`` under the same name; ``--out`` only with one input. Two
  inputs that would share a project are refused before anything runs (one project, one media).
- With several inputs, ``--coco-predictions``, ``--bbox-json`` and ``--vis-dir`` name folders:
  each input writes ``<folder>/<project stem>.json`` (``<folder>/<project stem>/`` for frames).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LIST_SUFFIX = ".txt"


class InputsError(ValueError):
    """Inputs or output options that cannot work together (named in the message)."""


def expand_inputs(items: Sequence[str]) -> list[str]:
    """Command-line INPUT arguments -> media paths, list files expanded, each path once
    (first position kept: running one media twice would only redo the same work)."""
    out: list[str] = []
    seen: set[Path] = set()
    for item in items:
        for path in _read_list(Path(item)) if item.lower().endswith(LIST_SUFFIX) else [item]:
            key = Path(path).absolute()
            if key not in seen:
                seen.add(key)
                out.append(path)
    if not out:
        raise InputsError("no input: the list file(s) name no video or folder")
    return out


def _read_list(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputsError(f"{path}: cannot read the input list: {exc.strerror}") from None
    lines = (line.strip() for line in text.splitlines())
    return [str(path.parent / line) if not Path(line).is_absolute() else line
            for line in lines if line and not line.startswith("#")]


def project_paths(inputs: Sequence[str], out: str | None, out_dir: str | None) -> list[Path]:
    """Each input's project file (see the module docstring); refuses shared projects."""
    from medpose_gui.session import project_path_for

    if out and len(inputs) > 1:
        raise InputsError(f"--out names one project, but there are {len(inputs)} inputs: "
                          "use --out-dir DIR (or leave each project beside its media)")
    if out and out_dir:
        raise InputsError("give --out or --out-dir, not both")
    if out:
        return [Path(out)]
    paths = [project_path_for(m) for m in inputs]
    if out_dir:
        paths = [Path(out_dir) / p.name for p in paths]
    owner: dict[Path, str] = {}
    for media, path in zip(inputs, paths, strict=True):
        key = path.absolute()
        if key in owner:
            raise InputsError(f"{owner[key]} and {media} would share the project {path}: "
                              "rename one, or run them with different --out-dir")
        owner[key] = media
    return paths


def side_output(option: str | None, project: Path, many: bool, suffix: str = ".json") -> str | None:
    """Where one input writes an optional output: the option itself with one input, else
    ``<option>/<project stem><suffix>`` (``suffix`` "" for a folder of frames)."""
    if option is None or not many:
        return option
    return str(Path(option) / (project.stem + suffix))


@dataclass(frozen=True)
class Shard:
    """A piece of work for one cluster worker: some frames of one input."""

    job: int  # index of the input in the run
    frames: tuple[int, ...]  # ascending, a contiguous piece of the input's frames to compute
    attempt: int = 1  # 2, 3...: the frames a lost worker had not returned, run again


def cut_shards(frames: Sequence[int], batch_size: int, shard_frames: int) -> list[tuple[int, ...]]:
    """Cut one input's frames to compute into shards of about ``shard_frames`` frames.

    Each shard's length is a multiple of ``batch_size`` (the last one may be shorter), so
    every shard starts at a multiple of the batch size within the input's frame list. The
    pipeline batches a frame list in consecutive chunks of ``batch_size`` from its start,
    so the workers see exactly the batches a local run sees: on a GPU (batch 4) a frame
    batched with other frames is not bit-equal to the same frame alone, and this keeps a
    cluster run equal to a local one. On the CPU the batch size is 1 and any cut would do.
    """
    if batch_size < 1 or shard_frames < 1:
        raise ValueError("batch size and shard size must be at least 1")
    step = max(1, -(-shard_frames // batch_size)) * batch_size  # round up to whole batches
    frames = [int(f) for f in frames]
    return [tuple(frames[i:i + step]) for i in range(0, len(frames), step)]
