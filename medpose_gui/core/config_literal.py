"""Read mmcv/mmpose Python config files as data, never executing them.

mmcv's ``Config.pretty_text`` writes a config as assignments of literals, where
nested dicts appear as ``dict(key=value, ...)`` calls and dicts with non-identifier
keys as ``dict({0: dict(...), ...})`` (one positional dict argument). This module
evaluates exactly that subset of Python with :mod:`ast`; anything else (imports,
function calls other than ``dict``/``list``/``tuple``, attribute access) is refused.
Names assigned earlier in the same file may be referenced (mmpose dataset files and
hand-written configs do ``dataset_info = ...`` then ``data = dict(..., dataset_info=dataset_info)``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any


class ConfigSyntaxError(ValueError):
    """The config text uses Python beyond plain literals and ``dict(...)`` calls."""


_ALLOWED_CALLS = {"dict": dict, "list": list, "tuple": tuple}
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _evaluate(node: ast.AST, names: dict[str, Any], source: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_evaluate(e, names, source) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # ``**other`` inside a dict display
                out.update(_evaluate(value, names, source))
            else:
                out[_evaluate(key, names, source)] = _evaluate(value, names, source)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, names, source)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _evaluate(node.left, names, source), _evaluate(node.right, names, source)
        if not all(isinstance(v, (int, float)) for v in (left, right)):
            raise ConfigSyntaxError(f"{source}:{node.lineno}: arithmetic on non-numbers")
        return _ARITHMETIC[type(node.op)](left, right)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id in names:
            return names[node.id]
        raise ConfigSyntaxError(f"{source}:{node.lineno}: unknown name {node.id!r}")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        factory = _ALLOWED_CALLS.get(node.func.id)
        if factory is None:
            raise ConfigSyntaxError(
                f"{source}:{node.lineno}: call of {node.func.id}() is not plain data")
        args = [_evaluate(a, names, source) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                kwargs.update(_evaluate(kw.value, names, source))
            else:
                kwargs[kw.arg] = _evaluate(kw.value, names, source)
        return factory(*args, **kwargs)
    raise ConfigSyntaxError(
        f"{source}:{getattr(node, 'lineno', '?')}: {type(node).__name__} is not plain data")


def parse_config_text(text: str, source: str = "<config>") -> dict[str, Any]:
    """Return the top-level assignments of an mmcv-style config as a dict."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise ConfigSyntaxError(f"{source}: not valid Python: {exc.msg} (line {exc.lineno})") from exc
    names: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # module docstring
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            raise ConfigSyntaxError(f"{source}:{stmt.lineno}: imports are not read (config is data only)")
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(
                stmt.targets[0], ast.Name):
            raise ConfigSyntaxError(f"{source}:{stmt.lineno}: only `name = value` statements are read")
        names[stmt.targets[0].id] = _evaluate(stmt.value, names, source)
    return names


def parse_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigSyntaxError(f"{path}: cannot read config: {exc}") from exc
    return parse_config_text(text, str(path))
