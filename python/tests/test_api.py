"""The type hints (__init__.pyi) describe the package as it is."""

import ast
import inspect
from pathlib import Path

import woundsim

PYI = Path(woundsim.__file__).with_name("__init__.pyi")


def stub_tree():
    return ast.parse(PYI.read_text(encoding="utf-8"))


def test_every_exported_name_has_a_type_hint():
    tree = stub_tree()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets)
    missing = [n for n in woundsim.__all__ if n not in names]
    assert not missing, f"in __all__ but not in __init__.pyi: {missing}"


def test_stub_classes_match_the_runtime_classes():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef) or node.name.endswith("Error"):
            continue
        cls = getattr(woundsim, node.name)
        stubbed = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        stubbed |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
        public = {n for n, v in vars(cls).items() if not n.startswith("_")
                  and (inspect.isfunction(v) or isinstance(v, (property, classmethod))
                       or hasattr(v, "__set_name__"))}
        assert public <= stubbed, f"{node.name}: not in the stub: {sorted(public - stubbed)}"
        for n in stubbed - {"__init__"}:
            assert hasattr(cls, n) or n in getattr(cls, "__annotations__", {}) or _instance_attr(cls, n), \
                f"{node.name}.{n} is in the stub but not in the class"
        # Every public method and property has a docstring.
        for n in public:
            v = vars(cls)[n]
            f = v.fget if isinstance(v, property) else getattr(v, "__func__", v)
            assert (getattr(f, "__doc__", None) or "").strip(), f"{node.name}.{n} has no docstring"


def _instance_attr(cls, name):
    src = inspect.getsource(cls)
    return f"self.{name}" in src


def test_every_public_function_has_a_docstring():
    for name in woundsim.__all__:
        obj = getattr(woundsim, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
