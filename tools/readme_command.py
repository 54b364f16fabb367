"""Print one of README.md's two shell commands, exactly as written, so that CI runs what users read.

usage: python tools/readme_command.py main   # the main job (fresh venv, no dev extras, `causal-mmm demo`)
       python tools/readme_command.py test   # the whole test suite
"""
import re, sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / 'README.md'

def commands(text: str) -> list:
    "The ```sh blocks of README.md, in order, each as one line."
    return [b.strip() for b in re.findall(r'```sh\n(.*?)```', text, flags=re.S)]

def command(which: str, text: str = None) -> str:
    "The main-job command (it ends in `causal-mmm demo`) or the test command (it runs pytest)."
    text = README.read_text() if text is None else text
    found = [c for c in commands(text) if (c.endswith('causal-mmm demo') if which == 'main' else 'pytest' in c)]
    if len(found) != 1: raise SystemExit(f'README.md has {len(found)} {which} commands in ```sh blocks, expected 1')
    return found[0]

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in ('main', 'test'): raise SystemExit(__doc__)
    print(command(sys.argv[1]))
