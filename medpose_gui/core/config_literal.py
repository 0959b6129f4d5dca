"""Read mmcv/mmpose Python config files as data, never executing them.

mmcv's ``Config.pretty_text`` writes a config as assignments of literals, where
nested dicts appear as ``dict(key=value, ...)`` calls and dicts with non-identifier
keys as ``dict({0: dict(...), ...})`` (one positional dict argument). This module
evaluates exactly that subset of Python with :mod:`ast`; anything else (imports,
function calls other than ``dict``/``list``/``tuple``, attribute access) is refused.
Names assigned earlier in the same file may be referenced (mmpose dataset files and
hand-written configs do ``dataset_info = ...`` then ``data = dict(..., dataset_info=dataset_info)``).

A config may come from a checkpoint someone sent (``meta['config']``), so reading it is
bounded: the text is at most :data:`MAX_CONFIG_TEXT` characters; integers at most
:data:`MAX_INT_BITS` bits, checked *before* a multiplication (``a = 10 ** 10; b = a * a;
c = b * b ...`` doubles the digits per line and once hung model loading); and the whole file
evaluates to at most :data:`MAX_CONFIG_VALUES` values, counting a referenced name as the size
of its value (``b = [a, a]; c = [b, b] ...`` doubles the size per line without copying, and
then every reader that walks it).
"""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path
from typing import Any


class ConfigSyntaxError(ValueError):
    """The config text uses Python beyond plain literals and ``dict(...)`` calls, or is
    larger than the bounds above."""


# mmpose configs are 5-30 KB; a dataset definition with 133 keypoints about 60 KB.
MAX_CONFIG_TEXT = 1 << 20
# Values in a config (every list item, dict key and value, counted through names).
MAX_CONFIG_VALUES = 1_000_000
# Integers in configs are sizes, ids and seeds; 2**128 is far beyond any of them.
MAX_INT_BITS = 128


_ALLOWED_CALLS = {"dict": dict, "list": list, "tuple": tuple}
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class _Budget:
    """Counts the values a config evaluates to (see the module docstring)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.left = MAX_CONFIG_VALUES
        self.name_sizes: dict[str, int] = {}

    def spend(self, count: int, node: ast.AST) -> None:
        self.left -= count
        if self.left < 0:
            raise ConfigSyntaxError(f"{self.source}:{getattr(node, 'lineno', '?')}: config "
                                    f"holds more than {MAX_CONFIG_VALUES} values")


def _check_int(value: Any, source: str, node: ast.AST) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and \
            value.bit_length() > MAX_INT_BITS:
        raise ConfigSyntaxError(f"{source}:{getattr(node, 'lineno', '?')}: integer of more "
                                f"than {MAX_INT_BITS} bits is not a config value")
    return value


def _arithmetic(node: ast.BinOp, left: Any, right: Any, source: str) -> Any:
    if not all(isinstance(v, (int, float)) for v in (left, right)):
        raise ConfigSyntaxError(f"{source}:{node.lineno}: arithmetic on non-numbers")
    if isinstance(node.op, ast.Mult) and isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
        # Refused before it is computed: the product is what would take the time.
        raise ConfigSyntaxError(f"{source}:{node.lineno}: integer product of more than "
                                f"{MAX_INT_BITS} bits is not a config value")
    try:
        result = _ARITHMETIC[type(node.op)](left, right)
    except (ZeroDivisionError, OverflowError) as exc:
        raise ConfigSyntaxError(f"{source}:{node.lineno}: {exc}") from None
    return _check_int(result, source, node)


def _evaluate(node: ast.AST, names: dict[str, Any], source: str, budget: _Budget) -> Any:
    budget.spend(1, node)
    if isinstance(node, ast.Constant):
        return _check_int(node.value, source, node)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_evaluate(e, names, source, budget) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # ``**other`` inside a dict display
                out.update(_evaluate(value, names, source, budget))
            else:
                out[_evaluate(key, names, source, budget)] = _evaluate(value, names, source, budget)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, names, source, budget)
        if isinstance(operand, bool) or not isinstance(operand, (int, float)):
            raise ConfigSyntaxError(f"{source}:{node.lineno}: sign of a non-number")
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left = _evaluate(node.left, names, source, budget)
        right = _evaluate(node.right, names, source, budget)
        return _arithmetic(node, left, right, source)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id in names:
            # A reference shares the value; counted as its size, as if it were copied.
            budget.spend(budget.name_sizes.get(node.id, 1), node)
            return names[node.id]
        raise ConfigSyntaxError(f"{source}:{node.lineno}: unknown name {node.id!r}")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        factory = _ALLOWED_CALLS.get(node.func.id)
        if factory is None:
            raise ConfigSyntaxError(
                f"{source}:{node.lineno}: call of {node.func.id}() is not plain data")
        args = [_evaluate(a, names, source, budget) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                kwargs.update(_evaluate(kw.value, names, source, budget))
            else:
                kwargs[kw.arg] = _evaluate(kw.value, names, source, budget)
        return factory(*args, **kwargs)
    raise ConfigSyntaxError(
        f"{source}:{getattr(node, 'lineno', '?')}: {type(node).__name__} is not plain data")


def parse_config_text(text: str, source: str = "<config>") -> dict[str, Any]:
    """Return the top-level assignments of an mmcv-style config as a dict."""
    if len(text) > MAX_CONFIG_TEXT:
        raise ConfigSyntaxError(f"{source}: {len(text)} characters is more than the "
                                f"{MAX_CONFIG_TEXT} a config may have")
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise ConfigSyntaxError(f"{source}: not valid Python: {exc.msg} (line {exc.lineno})") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # 5000-digit literal, deep nesting
        raise ConfigSyntaxError(f"{source}: cannot be read as a config: {exc}") from None
    names: dict[str, Any] = {}
    budget = _Budget(source)
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # module docstring
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            raise ConfigSyntaxError(f"{source}:{stmt.lineno}: imports are not read (config is data only)")
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(
                stmt.targets[0], ast.Name):
            raise ConfigSyntaxError(f"{source}:{stmt.lineno}: only `name = value` statements are read")
        before = budget.left
        try:
            value = _evaluate(stmt.value, names, source, budget)
        except (TypeError, ValueError, RecursionError) as exc:
            if isinstance(exc, ConfigSyntaxError):
                raise
            # e.g. dict(1), {[1]: 2}, **5, or nesting deeper than Python recurses
            raise ConfigSyntaxError(f"{source}:{stmt.lineno}: not plain data: {exc}") from None
        names[stmt.targets[0].id] = value
        budget.name_sizes[stmt.targets[0].id] = before - budget.left
    return names


def parse_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        # Non-blocking open and a type check: a named pipe or a device is not a config.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, encoding="utf-8") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ConfigSyntaxError(f"{path}: not a regular file")
            text = f.read(MAX_CONFIG_TEXT + 1)  # a limit, not the file's own size
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigSyntaxError(f"{path}: cannot read config: {exc}") from exc
    return parse_config_text(text, str(path))
