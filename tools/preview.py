"""A Quarto-free preview of the docs site.

nbdev processes the notebooks exactly as `nbdev_docs` would (hidden cells dropped, `show_doc` API
documentation rendered, directives applied) into `_proc/`; nbconvert then renders each processed
notebook to HTML in `_preview/`, with a sidebar in the site's chapter order. Quarto (which
`nbdev_docs` needs) renders the real site where it is installed.

usage: python tools/preview.py [--out _preview]
"""
import argparse, html, json, re, sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]

def process_notebooks(n_workers=0):
    "Run nbdev's docs processing (what `nbdev_proc_nbs` does after its Quarto check) into `_proc/`."
    import nbdev.doclinks
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__()
    proc_nbs(n_workers=n_workers, force=True)
    return ROOT/'_proc'

def pages(proc):
    "The processed notebooks in sidebar order (index first, then chapters by number)."
    nbs = sorted(proc.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem))
    return [p for p in nbs if not p.stem.startswith('_')]

def title_of(nb, default):
    "The notebook's title: the front matter's, else its first markdown heading."
    for c in nb.cells:
        m = re.search(r"^title:\s*'?(.*?)'?\s*$", c.source, re.M) if c.cell_type == 'raw' else None
        if m: return m.group(1)
    for c in nb.cells:
        m = re.search(r'^#\s+(.+)$', c.source, re.M) if c.cell_type == 'markdown' else None
        if m: return m.group(1).strip()
    return default

_QUARTO_ATTRS = re.compile(r'\{target="_blank"[^}]*\}')

def for_html(nb):
    "What Quarto would hide: the front-matter raw cell, the source of `echo: false` cells, Quarto-only attributes."
    front = next((c.source for c in nb.cells if c.cell_type == 'raw'), '')
    meta = dict(re.findall(r"^(title|description):\s*'?(.*?)'?\s*$", front, re.M))
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    if 'title' in meta:
        head = f"# {meta['title']}" + (f"\n\n*{meta['description']}*" if meta.get('description') else '')
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata.setdefault('tags', []).append('remove_input')
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: o['data']['text/markdown'] = _QUARTO_ATTRS.sub('', md)
    return nb

def _nav(entries, current):
    items = ''.join(f'<li{" class=current" if stem == current else ""}><a href="{stem}.html">{html.escape(t)}</a></li>'
                    for stem, t in entries)
    return f'<nav id="sidebar"><p><a href="index.html">causal_mmm_nb</a></p><ol>{items}</ol></nav>'

STYLE = '<style>body{display:flex} #sidebar{min-width:16rem;max-width:16rem;padding:1rem;font:14px sans-serif} ' \
        '#sidebar li.current{font-weight:bold} #page{flex:1;min-width:0}</style>'

def render(out=ROOT/'_preview', n_workers=0):
    "Build the preview; return {page stem: html path}."
    proc = process_notebooks(n_workers)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    nbs = [(p, nbformat.read(p, as_version=4)) for p in pages(proc)]
    entries = [(p.stem, title_of(nb, p.stem)) for p, nb in nbs]
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    written = {}
    for (p, nb), (stem, _) in zip(nbs, entries):
        body, _ = exporter.from_notebook_node(for_html(nb))
        body = body.replace('<body', STYLE + '<body', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + _nav(entries, stem) + '<div id="page">', body, count=1)
        body = body.replace('</body>', '</div></body>', 1)
        (out/f'{stem}.html').write_text(body)
        written[stem] = out/f'{stem}.html'
    (out/'pages.json').write_text(json.dumps([{'page': s, 'title': t} for s, t in entries], indent=1))
    return written

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT/'_preview'))
    args = ap.parse_args()
    for stem, path in render(args.out).items(): print(path)
