"Project invariants: README generated from index.ipynb, package in sync with the notebooks."
import shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import make_readme  # noqa: E402


def test_readme_matches_index_notebook():
    text, figs = make_readme.render()
    assert (ROOT/'README.md').read_text() == text, 'README.md drifted from nbs/index.ipynb: run `python tools/make_readme.py`'
    for name, data in figs.items(): assert (ROOT/name).read_bytes() == data, f'{name} is stale'


def test_readme_has_the_two_commands():
    text = (ROOT/'README.md').read_text()
    assert 'pip install torch==2.13.0 && pip install -e . && causal-mmm' in text
    assert 'nbdev_test && pytest -q tests' in text
    ci = (ROOT/'.ci'/'run').read_text()
    assert 'nbdev_test && pytest -q tests' in ci, '.ci/run must call the test command README gives'


def test_package_in_sync_with_notebooks(tmp_path):
    "nbdev_export in a scratch copy reproduces the committed package byte for byte."
    for name in ('settings.ini', 'setup.py', 'pyproject.toml'): shutil.copy(ROOT/name, tmp_path/name)
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs', symlinks=True)
    shutil.copytree(ROOT/'causal_mmm_nb', tmp_path/'causal_mmm_nb', ignore=shutil.ignore_patterns('__pycache__'))
    for f in (tmp_path/'causal_mmm_nb').glob('*.py'): f.unlink()
    exe = Path(sys.executable).with_name('nbdev_export')
    subprocess.run([str(exe)], cwd=tmp_path, check=True, capture_output=True)
    ours = sorted(p.name for p in (ROOT/'causal_mmm_nb').glob('*.py'))
    theirs = sorted(p.name for p in (tmp_path/'causal_mmm_nb').glob('*.py'))
    assert ours == theirs, f'modules differ: committed {ours}, exported {theirs}'
    for name in ours:
        assert (ROOT/'causal_mmm_nb'/name).read_text() == (tmp_path/'causal_mmm_nb'/name).read_text(), \
            f'causal_mmm_nb/{name} is out of sync with its notebook: run nbdev_export'


def test_quarto_config_is_one_file():
    link = ROOT/'nbs'/'_quarto.yml'
    assert link.is_symlink() and link.resolve() == (ROOT/'_quarto.yml').resolve()

def test_notebook_text_has_no_control_characters():
    "A Python edit that forgets a raw string turns '\\bar' into backspace + 'ar': the math then fails to render."
    import json, re
    bad = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f]')
    hits = [f'{nb.name} cell {i}' for nb in sorted((ROOT/'nbs').glob('*.ipynb'))
            for i, c in enumerate(json.loads(nb.read_text())['cells']) if bad.search(''.join(c['source']))]
    assert not hits, f'control characters in {hits}: restore the backslashes (write \\\\bar, not \\bar, in Python strings)'

def test_runtime_requirements_are_what_the_package_imports():
    "settings.ini's run-time requirements name exactly the third-party modules causal_mmm_nb imports (fastcore was missing once)."
    import ast, configparser, re
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    declared = {re.split(r'[<>=!~\[ ]', r)[0].lower().replace('-', '_') for r in cfg['DEFAULT']['requirements'].split()}
    imported = set()
    for f in (ROOT/'causal_mmm_nb').glob('*.py'):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import): imported |= {a.name.split('.')[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0: imported.add(node.module.split('.')[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != 'causal_mmm_nb'}
    assert third_party == declared, f'imported {sorted(third_party)}, declared {sorted(declared)}'


def test_ci_runs_the_readme_main_job_exactly():
    import readme_command
    main_cmd = readme_command.command('main')
    assert main_cmd.endswith('pip install -e . && causal-mmm demo') and '[dev]' not in main_cmd
    ci = (ROOT/'.ci'/'run').read_text()
    assert 'tools/readme_command.py main' in ci and ci.index('readme_command.py main') < ci.index('".[dev]"'), \
        '.ci/run must run README main job (no dev extras) before installing the dev extras'
