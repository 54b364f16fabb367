"""Generate README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto).

usage: python tools/make_readme.py          # write README.md (and README_files/ for figures)
       python tools/make_readme.py --check  # exit 1 if README.md is out of date
"""
import re, sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT/'nbs'/'index.ipynb'
README = ROOT/'README.md'
FIG_DIR = 'README_files'
_directive = re.compile(r'^\s*#\|\s*(.*)$')

def _directives(src):
    "The nbdev directives (`#| hide`, `#| echo: false`, ...) at the top of a code cell."
    out = []
    for line in src.splitlines():
        m = _directive.match(line)
        if not m: break
        out.append(m.group(1).strip())
    return out

def _prepare(nb):
    "Drop hidden cells, strip directives, hide the source of `echo: false` cells."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            ds = _directives(c.source)
            if any(d in ('hide', 'exporti') or d.startswith('default_exp') for d in ds): continue
            c.source = '\n'.join(l for l in c.source.splitlines() if not _directive.match(l)).strip()
            if any(d.replace(' ', '') in ('echo:false',) for d in ds): c.metadata['transient'] = {'remove_source': True}
            if not c.source and not c.outputs: continue
        cells.append(c)
    nb.cells = cells
    return nb

def render():
    "README text and figure files {name: bytes} from index.ipynb."
    nb = _prepare(nbformat.read(INDEX, as_version=4))
    exporter = MarkdownExporter()
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, res = exporter.from_notebook_node(nb, resources={'output_files_dir': FIG_DIR})
    header = '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n'
    return header + body.strip() + '\n', res.get('outputs', {})

def main(argv):
    text, figs = render()
    if '--check' in argv:
        ok = README.exists() and README.read_text() == text and all(
            (ROOT/k).exists() and (ROOT/k).read_bytes() == v for k, v in figs.items())
        if not ok: print('README.md is out of date: run `python tools/make_readme.py`')
        return 0 if ok else 1
    README.write_text(text)
    for k, v in figs.items():
        (ROOT/k).parent.mkdir(parents=True, exist_ok=True)
        (ROOT/k).write_bytes(v)
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
