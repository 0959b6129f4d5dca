"""Read checkpoint files safely: tensors and plain data only, unless the user trusts the file.

Both reference trainers (mmpose 0.x, detectron2) write ``torch.save`` pickles. We load them
with ``torch.load(weights_only=True)``, which refuses every global not on an allow list, so a
checkpoint cannot run code on load. The only extra globals let through are the plain numpy
data that training leaves in real files: mmcv's ``EvalHook(save_best=...)`` stores the best
score as a ``numpy.float64`` in ``meta['hook_msgs']`` (pickled as ``numpy.core.multiarray.scalar``
+ ``numpy.dtype`` + ``_codecs.encode``, see fixtures/vitpose/README.md "Checkpoint layout"),
and detectron2's trainer state holds numpy scalars the same way.
"""

from __future__ import annotations

import _codecs
import hashlib
import pickle
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

KEYS_LISTED = 5  # keys named in an error message before "... and N more"


class CheckpointError(ValueError):
    """A checkpoint file cannot be read, or is not what the caller expects."""


def list_keys(keys: Sequence[object], limit: int = KEYS_LISTED) -> str:
    """The first ``limit`` keys for a message, then how many more there are."""
    shown = ", ".join(str(k) for k in keys[:limit])
    return shown + (f" ... and {len(keys) - limit} more" if len(keys) > limit else "")


def key_report(found: Mapping[str, Sequence[int]], expected: Mapping[str, Sequence[int]],
               file_key: Callable[[str], str] = str) -> list[str]:
    """Why a state dict does not load into a network, as phrases for one error message.

    ``found`` and ``expected`` map the network's key names to tensor shapes; ``file_key``
    turns a network key back into the name the checkpoint file uses, so the message names
    keys as the user's file does. Empty when every key is there, none is extra and every
    shape is equal: then a strict ``load_state_dict`` cannot fail.
    """
    missing = [file_key(k) for k in expected if k not in found]
    unexpected = [file_key(k) for k in found if k not in expected]
    wrong = [f"{file_key(k)} {tuple(found[k])} (expected {tuple(shape)})"
             for k, shape in expected.items() if k in found and tuple(found[k]) != tuple(shape)]
    problems = []
    if missing:
        problems.append(f"missing keys: {list_keys(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {list_keys(unexpected)}")
    if wrong:
        problems.append(f"shapes that contradict the architecture: {list_keys(wrong)}")
    return problems


def _numpy_scalar_function() -> Callable[..., Any]:
    # numpy 2 moved ``numpy.core`` to ``numpy._core``; the function is the same object.
    core = getattr(np, "_core", None)
    if core is not None and hasattr(core, "multiarray"):
        return core.multiarray.scalar
    return np.core.multiarray.scalar  # numpy < 2


# Plain dtype classes (numpy >= 1.25 pickles a dtype's state through its class). ObjectDType
# is left out on purpose: an object array can carry anything.
_PLAIN_DTYPE_NAMES = (
    "BoolDType", "Int8DType", "UInt8DType", "Int16DType", "UInt16DType", "Int32DType",
    "UInt32DType", "Int64DType", "UInt64DType", "LongLongDType", "ULongLongDType",
    "ByteDType", "UByteDType", "ShortDType", "UShortDType", "IntDType", "UIntDType",
    "LongDType", "ULongDType", "Float16DType", "Float32DType", "Float64DType",
    "LongDoubleDType", "Complex64DType", "Complex128DType", "CLongDoubleDType",
)


def _safe_numpy_globals() -> list[Callable[..., Any] | tuple[Callable[..., Any], str]]:
    """The allow list: numpy scalars and dtypes (and the codec numpy uses for scalar bytes)."""
    scalar = _numpy_scalar_function()
    allowed: list[Callable[..., Any] | tuple[Callable[..., Any], str]] = [
        # Files written under numpy 1.x name it numpy.core..., under numpy 2.x numpy._core...
        (scalar, "numpy.core.multiarray.scalar"),
        (scalar, "numpy._core.multiarray.scalar"),
        np.dtype,
        _codecs.encode,
    ]
    dtypes_module = getattr(np, "dtypes", None)
    if dtypes_module is not None:
        allowed += [getattr(dtypes_module, n) for n in _PLAIN_DTYPE_NAMES if hasattr(dtypes_module, n)]
    return allowed


def _allowed_names() -> set[str]:
    names = set()
    for entry in _safe_numpy_globals():
        if isinstance(entry, tuple):
            names.add(entry[1])
        else:
            names.add(f"{entry.__module__}.{entry.__qualname__}")
    return names


def _unsupported_globals(path: Path) -> list[str]:
    """Globals the file's pickle needs beyond torch's defaults and our numpy allow list."""
    try:
        needed = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception:  # noqa: BLE001 - only used to improve an error message
        return []
    allowed = _allowed_names()
    return [g for g in needed if g not in allowed]


def load_checkpoint_file(path: str | Path, *, trust: bool = False) -> dict[str, Any]:
    """Load a ``torch.save`` checkpoint and return its top-level dict.

    With ``trust=False`` (the default) only tensors, containers and plain numpy scalars/dtypes
    are unpickled; a file needing anything else (a class, a function) raises
    :class:`CheckpointError` naming the file and the global. ``trust=True`` loads with
    ``weights_only=False``: that runs whatever the pickle says, so it is opt-in only, for files
    the user got from a source they trust (the CLI exposes it as ``--trust-checkpoint``).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    try:
        if trust:
            # Opt-in by the user: full pickle, may execute code from the file.
            obj = torch.load(path, map_location="cpu", weights_only=False)
        else:
            with torch.serialization.safe_globals(_safe_numpy_globals()):
                obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        offending = _unsupported_globals(path)
        if offending or "Unsupported global" in str(exc) or "Can only build" in str(exc):
            what = ", ".join(offending) if offending else _first_line_about_global(str(exc))
            raise CheckpointError(
                f"{path}: refused to load: the file's pickle needs {what}, which is not plain "
                "tensor/numpy data and could run code. If you trust where this file comes from, "
                "load it explicitly trusted (trust=True; command line: --trust-checkpoint).") from exc
        raise CheckpointError(f"{path}: not a readable checkpoint (not a torch.save file, or "
                              f"corrupt): {_unpickler_detail(str(exc))}") from exc
    except Exception as exc:  # noqa: BLE001 - torch raises many types for corrupt files
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupt or truncated?): "
                              f"{_short(exc)}") from exc
    if not isinstance(obj, dict):
        raise CheckpointError(
            f"{path}: checkpoint holds a {type(obj).__name__}, expected a dict")
    return obj


def _first_line_about_global(message: str) -> str:
    for line in message.splitlines():
        if "global" in line.lower() or "Can only build" in line:
            return line.strip()
    return "an object that is not allowed"


def _unpickler_detail(message: str) -> str:
    # torch's message wraps the cause in advice to use weights_only=False; keep the cause only.
    _, _, after = message.partition("WeightsUnpickler error:")
    cause = next((line.strip() for line in after.splitlines() if line.strip()), "")
    return cause or "cannot unpickle"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def file_sha256(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks (model identities stored in projects)."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                digest.update(chunk)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read file: {exc}") from exc
    return digest.hexdigest()
