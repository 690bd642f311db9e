"""Every policy rule keeps its tests: `pytest -m pN` must select something for P1 to P7."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
RULES = [f"p{n}" for n in range(1, 8)]


def _marks(decorators: list[ast.expr]) -> set[str]:
    """The pytest.mark.pN names among decorators or a pytestmark value (ignoring other marks)."""
    found = set()
    for node in decorators:
        for part in ast.walk(node):
            if isinstance(part, ast.Attribute) and part.attr in RULES:
                found.add(part.attr)
    return found


def _tests_by_rule() -> dict[str, list[str]]:
    by_rule: dict[str, list[str]] = {rule: [] for rule in RULES}
    for path in TESTS.rglob("test_*.py"):
        module = ast.parse(path.read_text(encoding="utf-8"))
        module_marks = set()
        for node in module.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "pytestmark"
                for target in node.targets
            ):
                module_marks |= _marks([node.value])
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                for rule in module_marks | _marks(node.decorator_list):
                    by_rule[rule].append(f"{path.relative_to(TESTS)}::{node.name}")
    return by_rule


def test_every_policy_rule_has_tagged_tests():
    by_rule = _tests_by_rule()
    assert [rule for rule, tests in by_rule.items() if not tests] == []


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_registered_with_its_description(pytestconfig, rule):
    registered = {line.split(":", 1)[0]: line for line in pytestconfig.getini("markers")}
    assert registered[rule].startswith(f"{rule}: P{rule[1]} ")
