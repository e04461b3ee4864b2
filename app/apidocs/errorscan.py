"""Which error codes each API operation can answer, read from the source (static, no import).

The scan parses every module of the `app` package and finds:

- the error classes (subclasses of `AppError`, by name) with their status, code and message;
- every place an error is made (`NotFound("…", code="…")`, `raise Conflict`, a helper that
  returns one), attributed to the function around it;
- who calls whom, through the names each module imports (`service.submit_rating` →
  `app.rating.service.submit.submit_rating`, re-exports followed).

A view's codes are those made in the functions it reaches. Calls on objects (`row.method()`) are
not followed, so the scan can miss a code; the tests catch that at run time (every JSON error an
API test provokes must be documented on its operation). A code built from a variable is reported
as dynamic and must be declared with `@api_doc(error_codes=…)`.
"""
from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent          # the `app` package
BASE = "AppError"


@dataclass(frozen=True)
class Made:
    """An error made somewhere: its status, stable code and (bilingual) message."""

    status: int
    code: str
    message: str


@dataclass
class _Module:
    name: str
    tree: ast.Module
    names: dict[str, str] = field(default_factory=dict)     # local name → "module" or "module:attr"
    functions: dict[str, ast.AST] = field(default_factory=dict)


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):          # f"…{x}…": the fixed text, values as …
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return left + right if left is not None and right is not None else None
    return None


class Scan:
    def __init__(self, root: Path = ROOT):
        self.root = root
        self._module_names = frozenset(_module_name(p, root) for p in root.rglob("*.py"))
        self.modules: dict[str, _Module] = {}
        for path in sorted(root.rglob("*.py")):
            if "simulator" in path.parts:
                continue
            module = _Module(_module_name(path, root),
                             ast.parse(path.read_text(encoding="utf-8")))
            self.modules[module.name] = module
        for module in self.modules.values():
            self._index(module)
        self.classes = self._error_classes()
        self.made: dict[str, set[Made]] = {}          # "module:function" → errors made there
        self.calls: dict[str, set[str]] = {}          # "module:function" → callees
        self.dynamic: dict[str, set[str]] = {}        # "module:function" → classes, code unknown
        for module in self.modules.values():
            for qualname, node in module.functions.items():
                self._read_function(module, f"{module.name}:{qualname}", node)

    # --- names -------------------------------------------------------------------------------

    def _index(self, module: _Module) -> None:
        package = module.name if self._is_package(module.name) else module.name.rpartition(".")[0]
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom) and node.module is not None or (
                    isinstance(node, ast.ImportFrom) and node.level):
                source = self._absolute(node, package)
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    module.names[alias.asname or alias.name] = (
                        target if target in self._module_names else f"{source}:{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    module.names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
        for node in module.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        module.functions[f"{node.name}.{item.name}"] = item

    def _is_package(self, name: str) -> bool:
        return (self.root.parent / name.replace(".", "/") / "__init__.py").exists()

    @staticmethod
    def _absolute(node: ast.ImportFrom, package: str) -> str:
        if not node.level:
            return node.module
        base = package.split(".")
        base = base[:len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def resolve(self, module: _Module, expr) -> str | None:
        """What a called expression names: "module:function", a class name, or None."""
        chain = []
        while isinstance(expr, ast.Attribute):
            chain.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        chain.append(expr.id)
        chain.reverse()
        head, rest = chain[0], chain[1:]
        if head in module.names:
            target = module.names[head]
        elif head in module.functions or any(q.startswith(head + ".") for q in module.functions):
            target = f"{module.name}:{head}"
        else:
            return head if not rest else None
        for part in rest:
            target = self._member(target, part)
            if target is None:
                return None
        return self._follow(target)

    def _member(self, target: str, part: str) -> str | None:
        if ":" in target:
            module_name, attr = target.split(":", 1)
            return f"{module_name}:{attr}.{part}" if "." not in attr else None
        submodule = f"{target}.{part}"
        if submodule in self._module_names:
            return submodule
        return f"{target}:{part}"

    def _follow(self, target: str, depth: int = 0) -> str:
        """A name a package re-exports → where it is defined."""
        if ":" not in target or depth > 8:
            return target
        module_name, attr = target.split(":", 1)
        module = self.modules.get(module_name)
        head = attr.split(".")[0]
        if module is None or head in module.functions or any(
                q.startswith(head + ".") for q in module.functions):
            return target
        if head in module.names:
            rest = attr[len(head):]
            return self._follow(module.names[head] + rest, depth + 1)
        return target

    # --- errors ------------------------------------------------------------------------------

    def _error_classes(self) -> dict[str, Made]:
        found: dict[str, tuple[list[str], dict]] = {}
        for module in self.modules.values():
            for node in module.tree.body:
                if isinstance(node, ast.ClassDef):
                    bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                             for b in node.bases]
                    found[node.name] = (bases, self._class_attrs(node))
        classes: dict[str, Made] = {}

        def made(name: str, seen=()) -> Made | None:
            if name in classes:
                return classes[name]
            if name not in found or name in seen:
                return None
            bases, attrs = found[name]
            parent = None
            if name != BASE:
                parent = next((m for m in (made(b, (*seen, name)) for b in bases) if m), None)
                if parent is None:
                    return None
            classes[name] = Made(attrs.get("status", parent.status if parent else 400),
                                 attrs.get("code", parent.code if parent else "bad_request"),
                                 attrs.get("message", parent.message if parent else ""))
            return classes[name]

        for name in found:
            made(name)
        return classes

    @staticmethod
    def _class_attrs(node: ast.ClassDef) -> dict:
        attrs = {}
        for item in node.body:
            if not isinstance(item, ast.Assign):
                continue
            targets = item.targets[0]
            names = ([t.id for t in targets.elts] if isinstance(targets, ast.Tuple)
                     else [getattr(targets, "id", None)])
            values = item.value.elts if isinstance(item.value, ast.Tuple) else [item.value]
            for name, value in zip(names, values):
                if name in ("status", "code", "message") and isinstance(value, ast.Constant):
                    attrs[name] = value.value
                elif name == "message" and _literal(value) is not None:
                    attrs[name] = _literal(value)
        return attrs

    def _read_function(self, module: _Module, key: str, node) -> None:
        made, calls, dynamic = set(), set(), set()
        for decorator in getattr(node, "decorator_list", []):     # @technician_required
            target = self.resolve(module, decorator)
            if target is not None and ":" in target:
                calls.add(target)
        for inner in ast.walk(node):
            target = None
            if isinstance(inner, ast.Call):
                target = self.resolve(module, inner.func)
            elif isinstance(inner, ast.Raise) and isinstance(inner.exc, (ast.Name, ast.Attribute)):
                target = self.resolve(module, inner.exc)
            if target is None:
                continue
            name = target.rpartition(":")[2].rpartition(".")[2] if ":" in target else target
            if name in self.classes and (":" not in target or "." not in target.split(":")[1]):
                error = self.classes[name]
                keywords = {k.arg: k.value for k in getattr(inner, "keywords", [])}
                code = keywords.get("code")
                if code is not None and _literal(code) is None:
                    dynamic.add(name)
                    continue
                args = getattr(inner, "args", [])
                message = (_literal(args[0]) if args else None) or error.message
                made.add(Made(error.status, _literal(code) if code is not None else error.code,
                              message))
            elif ":" in target:
                calls.add(target)
        self.made[key], self.calls[key], self.dynamic[key] = made, calls, dynamic

    # --- answers -----------------------------------------------------------------------------

    def reachable(self, key: str) -> set[Made]:
        """Every error made in `key` or in a function it calls, however deep."""
        seen, todo, found = set(), [key], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            found |= self.made.get(current, set())
            for callee in self.calls.get(current, ()):
                todo.extend(self._functions_named(callee))
        return found

    def _functions_named(self, target: str) -> list[str]:
        """A called "module:name": the function, or a class's __init__ and methods."""
        if target in self.made:
            return [target]
        prefix = target + "."
        return [key for key in self.made if key.startswith(prefix)]

    def catalogue(self) -> dict[str, list[Made]]:
        """Every code made anywhere, with the distinct ways it is said."""
        codes: dict[str, list[Made]] = {}
        for errors in self.made.values():
            for error in errors:
                if error not in codes.setdefault(error.code, []):
                    codes[error.code].append(error)
        for error in self.classes.values():
            codes.setdefault(error.code, [error])
        return codes


_SCAN_LOCK = threading.Lock()


def scan() -> Scan:
    """The scan of app/, made once per process. Threads asking at the same time (gthread workers,
    a test's live server) wait for the one making it: CPython's ast parser is not safe to run in
    several threads at once ("AST constructor recursion depth mismatch")."""
    with _SCAN_LOCK:
        return _scan()


@lru_cache(maxsize=1)
def _scan() -> Scan:
    return Scan()


def errors_of_view(view) -> set[Made]:
    """The errors a view function can make, by the scan (see the module docstring)."""
    original = getattr(view, "__wrapped__", view)
    while hasattr(original, "__wrapped__"):
        original = original.__wrapped__
    key = f"{original.__module__}:{original.__qualname__}"
    return scan().reachable(key)
