"""The README's examples and Quickstart stay true."""

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_session_examples_give_the_printed_results():
    sessions = [block for block in _code_blocks("python") if block.startswith(">>>")]
    assert sessions, "README.md should hold at least one >>> session"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, block in enumerate(sessions):
        test = parser.get_doctest(block, {}, f"README session {i}", "README.md", 0)
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} README example(s) give other results"


def test_quickstart_is_one_block_of_two_commands_and_ci_runs_the_test_command():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quickstart, flags=re.DOTALL)
    assert len(blocks) == 1, "the Quickstart section holds exactly one code block"
    commands = [line for line in blocks[0].splitlines() if line.strip()]
    assert len(commands) == 2
    assert "micrograd demo" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run must run the README's test command"


def test_quickstart_names_the_files_the_first_command_writes():
    from micrograd.cli import DEFAULT_OUT, build_parser

    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert Path(build_parser().parse_args(["demo"]).out) == DEFAULT_OUT
    for name in ("input_dataset.png", "classified_dataset.png"):
        assert f"`{DEFAULT_OUT.as_posix()}/{name}`" in quickstart


def test_readme_documents_the_model_file_format():
    assert "**The model file.**" in README and "os.replace" in README
