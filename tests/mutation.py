"""Mutation testing (make mutation): does each module's test suite notice when its code changes?

Each group of modules runs mutmut in a copy of the project, with only the tests that guard it
(the whole suite per mutant would take hours on two cores), and prints one line per module:
`mutation <module> <killed>/<total> <percent>%`. A mutant that makes a test time out counts as
killed; one no selected test runs counts as survived. `--survivors` lists each survivor's name
(`mutmut show NAME` in the copy shows its diff).

    python -m tests.mutation                      every group
    python -m tests.mutation helpdesk/signing.py  the groups holding these modules
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("helpdesk", "tests", "templates", "static", "migrations", "wsgi.py", "pyproject.toml")
GUARD_TESTS = (
    "tests/outbound/test_privacy.py",
    "tests/outbound/test_outcomes.py",
    "tests/outbound/test_guard_eval.py",
)
GROUPS = (
    (
        (
            "helpdesk/mail/privacy.py",
            "helpdesk/mail/spelling.py",
            "helpdesk/mail/outcomes.py",
            "helpdesk/mail/name_words.py",
        ),
        GUARD_TESTS,
    ),
    (("helpdesk/signing.py",), ("tests/test_signing.py",)),
    (("helpdesk/workflow.py",), ("tests/test_workflow.py",)),
    (
        ("helpdesk/intake/routing.py",),
        ("tests/intake/test_intake.py", "tests/intake/test_threading.py"),
    ),
)
KILLED = {1, 3, 36, 37, 24, -24, 152, 255}  # a failing test, an error, a timeout, a type error
NOT_RUN = {None, 34}  # not checked, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every group)")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    parser.add_argument("--keep", action="store_true", help="keep the copies, for mutmut show")
    args = parser.parse_args()
    groups = [g for g in GROUPS if not args.modules or set(g[0]) & set(args.modules)]
    for modules, tests in groups:
        copy = Path(tempfile.mkdtemp(prefix="mutation-"))
        _run(copy, modules, tests)
        for module in modules:
            killed, total, survivors = _results(copy, module)
            percent = 100 * killed / total if total else 100.0
            print(f"mutation {module} {killed}/{total} {percent:.1f}%", flush=True)
            if args.survivors:
                print("\n".join(f"  survived {name}" for name in survivors), flush=True)
        if args.keep:
            print(f"  (the copy is kept in {copy})", flush=True)
        else:
            shutil.rmtree(copy)
    return 0


def _run(copy: Path, modules: tuple[str, ...], tests: tuple[str, ...]) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "mutants", ".hypothesis", "instance")
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    settings = {
        "source_paths": ["helpdesk"],
        "only_mutate": list(modules),
        "also_copy": ["templates", "static", "migrations", "wsgi.py"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"],
        "pytest_add_cli_args_test_selection": list(tests),
        "use_git_change_detection": False,
    }
    config = "\n[tool.mutmut]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    with (copy / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write(config)
    children = str(max(1, (os.cpu_count() or 2)))
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", children],
        cwd=copy,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _results(copy: Path, module: str) -> tuple[int, int, list[str]]:
    meta = copy / "mutants" / f"{module}.meta"
    if not meta.exists():
        return 0, 0, []
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    counted = {name: code for name, code in exit_codes.items() if code not in NOT_RUN}
    survivors = sorted(name for name, code in counted.items() if code not in KILLED)
    return len(counted) - len(survivors), len(counted), survivors


if __name__ == "__main__":
    sys.exit(main())
