"""The README cannot drift from the code: its configuration table lists exactly the environment
variables the service reads, and it links to nothing outside the repository."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"_env", "_int", "_float", "_json_object"}         # app/config.py's helpers
WSGI_KEYS = {"QUERY_STRING", "PATH_INFO", "REQUEST_METHOD", "REMOTE_ADDR", "SERVER_NAME"}


def names_read(path: Path) -> set[str]:
    """Environment names a file reads: config helpers and os.environ.get/[] with a literal."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
                func, ast.Attribute) else ""
            on_environ = isinstance(func, ast.Attribute) and "environ" in ast.unparse(func.value)
            if called in READERS or (called == "get" and on_environ):
                found.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value) \
                and isinstance(node.slice, ast.Constant):
            found.add(node.slice.value)
    return {name for name in found if isinstance(name, str) and name.isupper()} - WSGI_KEYS


def service_variables() -> set[str]:
    files = [ROOT / "gunicorn.conf.py", ROOT / "wsgi.py", *sorted((ROOT / "app").rglob("*.py"))]
    return set().union(*(names_read(path) for path in files if "simulator" not in path.parts))


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Configuration"):text.index("## Production")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_configuration_table_lists_every_variable_and_no_other():
    read, listed = service_variables(), readme_table()
    assert len(read) > 50
    assert read - listed == set(), f"read but not in README's table: {sorted(read - listed)}"
    assert listed - read == set(), f"in README's table but never read: {sorted(listed - read)}"


def test_readme_links_stay_inside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)]+)\)", text):
        assert not re.match(r"^[a-z]+:", target), f"link outside the repository: {target}"
        assert (ROOT / target.split("#")[0]).exists(), f"link to a missing file: {target}"
    assert "../shared/" not in text
