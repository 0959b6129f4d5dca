"""Pick the torch device to run the models on, and pin the float arithmetic to exact fp32.

``choose_device("auto")`` prefers CUDA, then Apple's MPS, then the CPU. Asking for a device
that this machine does not have is an error with a message that says what is available,
instead of torch's lazy failure deep inside the first forward pass.
"""

from __future__ import annotations

import re

import torch


class DeviceError(ValueError):
    """The requested device does not exist on this machine or is not a device name."""


_CUDA_NAME = re.compile(r"^cuda(?::(\d+))?$")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    """Names of the devices usable here, best first (for messages and the GUI's menu)."""
    names = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    if _mps_available():
        names.append("mps")
    names.append("cpu")
    return names


def choose_device(preference: str | torch.device | None = "auto") -> torch.device:
    """The device for ``preference``: "auto", "cpu", "cuda", "cuda:N" or "mps".

    "auto" (or None) is CUDA if present, else MPS, else CPU. An explicit request for a device
    that is absent raises :class:`DeviceError` naming what is available.
    """
    if isinstance(preference, torch.device):
        preference = str(preference)
    name = (preference or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not _mps_available():
            raise DeviceError(f"device 'mps' requested but Apple MPS is not available here "
                              f"(available: {', '.join(available_devices())})")
        return torch.device("mps")
    match = _CUDA_NAME.match(name)
    if match is None:
        raise DeviceError(f"unknown device {preference!r}: use auto, cpu, cuda, cuda:N or mps")
    if not torch.cuda.is_available():
        raise DeviceError(f"device {preference!r} requested but CUDA is not available here "
                          f"(no NVIDIA GPU or a CPU-only torch build; available: "
                          f"{', '.join(available_devices())})")
    index = int(match.group(1) or 0)
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(f"device {preference!r} requested but this machine has {count} "
                          f"CUDA device(s) (cuda:0..cuda:{count - 1})")
    return torch.device("cuda", index)


def configure_exact_math() -> None:
    """Disable TF32 so GPU matmuls and convolutions are true fp32.

    PyTorch enables TF32 for cuDNN convolutions by default; on the reference fixtures that
    changes heatmaps far more than fp32 noise (fixtures/vitpose/README.md, last paragraph of
    "Reproducing the reference without mmpose"). Harmless on CPU.
    """
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


# -- running out of memory -------------------------------------------------------------------

def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (torch raises both types)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_gpu_memory() -> None:
    """Give the CUDA caching allocator's free blocks back after an out-of-memory error."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
