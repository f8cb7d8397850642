"""docs/matrix.md is generated from the scenario files and kept up to date;
every scenario says what it asks and what the kernel answers."""
import importlib.util

from conftest import ROOT

spec = importlib.util.spec_from_file_location("matrix", ROOT / "docs/matrix.py")
matrix = importlib.util.module_from_spec(spec)
spec.loader.exec_module(matrix)

FILES = sorted((ROOT / "scenarios").rglob("*.scn"))


def test_the_library_has_at_least_sixty_scenarios():
    assert len(FILES) >= 60


def test_every_scenario_has_a_question_and_an_answer():
    missing = [str(f.relative_to(ROOT)) for f in FILES
               if not {"question", "answer"} <= matrix.header(f).keys()]
    assert missing == []


def test_every_piece_of_advice_has_a_verdict():
    advice = [f for f in FILES if f.parent.name == "advice"]
    assert len(advice) == 10
    assert {matrix.header(f)["verdict"] for f in advice} <= {"true", "half-true", "misleading"}


def test_matrix_is_up_to_date():
    assert (ROOT / "docs/matrix.md").read_text() == matrix.render(), \
        "docs/matrix.md is stale: run 'make matrix'"
