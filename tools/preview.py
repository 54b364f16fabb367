"""A Quarto-free preview of the docs site.

nbdev processes the notebooks exactly as `nbdev_docs` would (hidden cells dropped, `show_doc` API
documentation rendered, directives applied) into `_proc/`; nbconvert then renders each processed
notebook to HTML in `_preview/`, with a sidebar in the site's chapter order. Quarto (which
`nbdev_docs` needs) renders the real site where it is installed.

usage: python tools/preview.py [--out _preview]
"""
import argparse, html, json, os, re, sys
from pathlib import Path

import yaml

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

def front_matter(nb) -> dict:
    "The YAML front matter of a processed notebook (its raw cell between --- lines), parsed: long values span lines."
    raw = next((c.source for c in nb.cells if c.cell_type == 'raw'), '')
    m = re.search(r'^---\s*\n(.*?)\n---', raw, re.S)
    meta = yaml.safe_load(m.group(1)) if m else None
    return meta if isinstance(meta, dict) else {}

def title_of(nb, default):
    "The notebook's title: the front matter's, else its first markdown heading."
    if (title := front_matter(nb).get('title')): return str(title)
    for c in nb.cells:
        m = re.search(r'^#\s+(.+)$', c.source, re.M) if c.cell_type == 'markdown' else None
        if m: return m.group(1).strip()
    return default

_QUARTO_ATTRS = re.compile(r'\{target="_blank"[^}]*\}')

def for_html(nb):
    "What Quarto would hide: the front-matter raw cell, the source of `echo: false` cells, Quarto-only attributes."
    meta = front_matter(nb)
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

def inline(text: str) -> str:
    "A title as HTML: escaped, `code` spans as <code>."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))

def _nav(entries, current):
    items = ''.join(f'<li{" class=current" if stem == current else ""}><a href="{stem}.html">{inline(t)}</a></li>'
                    for stem, t in entries)
    return f'<nav id="sidebar"><p><a href="index.html">causal_mmm_nb</a></p><ol>{items}</ol></nav>'

def _pager(entries, current):
    "Previous and next chapter links at the foot of a page."
    i = [s for s, _ in entries].index(current)
    prev = f'<a class="prev" href="{entries[i - 1][0]}.html">← {inline(entries[i - 1][1])}</a>' if i > 0 else '<span></span>'
    nxt = f'<a class="next" href="{entries[i + 1][0]}.html">{inline(entries[i + 1][1])} →</a>' if i + 1 < len(entries) else '<span></span>'
    return f'<nav id="pager">{prev}{nxt}</nav>'

def chapter_links(body: str) -> str:
    "Links to another chapter's notebook (02_attention.ipynb#x) point at its page (02_attention.html#x)."
    return re.sub(r'href="(?:\./)?([\w.-]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)

MATHJAX = Path('/usr/share/javascript/mathjax')   # Debian's libjs-mathjax: math renders without internet

def mathjax_url(out: Path) -> str | None:
    "A local MathJax linked into the preview folder when one is installed (None: nbconvert's CDN default)."
    if not (MATHJAX/'MathJax.js').exists(): return None
    link = out/'mathjax'
    if not link.exists(): os.symlink(MATHJAX, link)
    return 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML'

STYLE = '<style>body{display:flex} #sidebar{min-width:16rem;max-width:16rem;padding:1rem;font:14px sans-serif} ' \
        '#sidebar li.current{font-weight:bold} #page{flex:1;min-width:0} ' \
        '#pager{display:flex;justify-content:space-between;padding:2rem 1rem;font:15px sans-serif} ' \
        '.jp-RenderedHTMLCommon table{display:block;overflow-x:auto;max-width:100%}</style>'

def render(out=ROOT/'_preview', n_workers=0):
    "Build the preview; return {page stem: html path}."
    proc = process_notebooks(n_workers)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    nbs = [(p, nbformat.read(p, as_version=4)) for p in pages(proc)]
    entries = [(p.stem, title_of(nb, p.stem)) for p, nb in nbs]
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    if (url := mathjax_url(out)) is not None: exporter.mathjax_url = url
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    written = {}
    for (p, nb), (stem, _) in zip(nbs, entries):
        body, _ = exporter.from_notebook_node(for_html(nb))
        body = body.replace('<body', STYLE + '<body', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + _nav(entries, stem) + '<div id="page">', body, count=1)
        body = body.replace('</body>', _pager(entries, stem) + '</div></body>', 1)
        body = chapter_links(body)
        (out/f'{stem}.html').write_text(body)
        written[stem] = out/f'{stem}.html'
    (out/'pages.json').write_text(json.dumps([{'page': s, 'title': t} for s, t in entries], indent=1))
    return written

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT/'_preview'))
    args = ap.parse_args()
    for stem, path in render(args.out).items(): print(path)
