"The docs preview (tools/preview.py) opened in headless Chromium: every chapter loads, shows its figures and its API docs."
import html, inspect, json, os, re, shutil, subprocess, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import preview  # noqa: E402

BROWSER = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync']


@pytest.fixture(scope='module')
def site():
    return preview.render(ROOT/'_preview', n_workers=2)


def browser(*args, tmp):
    if BROWSER is None:
        if os.environ.get('CI'): pytest.fail('Chromium is missing: .ci/run installs the Debian packages chromium and chromium-driver')
        pytest.skip('no Chromium here (apt-get install chromium chromium-driver)')
    res = subprocess.run([BROWSER, *FLAGS, f'--user-data-dir={tmp}', *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def exported_names():
    "{notebook stem: public names it exports}, from the package's __all__ lists."
    import importlib
    out = {}
    for nb in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')):
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', nbformat.read(nb, as_version=4).cells[0].source + '\n' +
                      '\n'.join(c.source for c in nbformat.read(nb, as_version=4).cells), re.M)
        if not m: continue
        mod = importlib.import_module(f'causal_mmm_nb.{m.group(1)}')
        # nbdev documents exported functions and classes (constants get no show_doc)
        out[nb.stem] = [n for n in getattr(mod, '__all__', []) if (inspect.isclass(getattr(mod, n)) or inspect.isfunction(getattr(mod, n)))
                        and getattr(mod, n).__module__ == mod.__name__]   # defined here, not re-exported
    return out


def n_figures(stem):
    nb = nbformat.read(ROOT/'nbs'/f'{stem}.ipynb', as_version=4)
    return sum('image/png' in o.get('data', {}) for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []))


def test_every_notebook_has_a_page(site):
    stems = {p.stem for p in (ROOT/'nbs').glob('*.ipynb') if not p.stem.startswith('_')}
    assert stems <= set(site), f'pages missing from the preview: {sorted(stems - set(site))}'


def visible_text(dom: str) -> str:
    "The page's text outside code, pre, script and style elements (where MathJax does not typeset)."
    for tag in ('script', 'style', 'pre', 'code'): dom = re.sub(rf'<{tag}\b.*?</{tag}>', ' ', dom, flags=re.S | re.I)
    return html.unescape(re.sub(r'<[^>]+>', ' ', dom))

RAW_TEX = re.compile(r'\$\$|\$[^$\n]{0,300}?\\[A-Za-z]+[^$\n]{0,300}?\$|\\\(|\\\[')

def subtitle(stem: str) -> str:
    "The `> ...` line under a notebook's title (what the page must show in full)."
    nb = nbformat.read(ROOT/'nbs'/f'{stem}.ipynb', as_version=4)
    first = next(c.source for c in nb.cells if c.cell_type == 'markdown')
    m = re.search(r'^>\s*(.+)$', first, re.M)
    return m.group(1).strip() if m else ''


def test_pages_load_with_figures_and_api_docs(site, tmp_path):
    names = exported_names()
    for stem, path in site.items():
        dom = browser('--dump-dom', '--virtual-time-budget=20000', path.as_uri(), tmp=tmp_path)   # time for MathJax to typeset
        text = visible_text(dom.split('<div id="page">', 1)[-1])
        tex = RAW_TEX.search(text)
        assert tex is None, f'{stem}: raw TeX left on the page: {text[max(0, tex.start() - 60):tex.end() + 20]!r}'
        plain = ' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', dom.split('<div id="page">', 1)[-1])).replace('*', '').split())
        want_sub = ' '.join(re.sub(r'[`*]', '', subtitle(stem)).split())
        assert want_sub[:200] in plain, f'{stem}: subtitle cut or missing: {want_sub[:80]!r}'
        for href in re.findall(r'href="([^"#:]+\.(?:html|ipynb))(?:#[^"]*)?"', dom):
            assert not href.endswith('.ipynb') and (path.parent/href).exists(), f'{stem}: broken link {href}'
        assert "''" not in re.search(r'<nav id="sidebar">.*?</nav>', dom, re.S).group(0), f'{stem}: YAML quoting shows in the sidebar'
        assert '<nav id="sidebar">' in dom and 'Traceback' not in dom.split('<div id="page">', 1)[-1][:2000], stem
        figs = len(re.findall(r'<img[^>]+src="data:image/png', dom))
        want = n_figures(stem)
        assert figs >= want, f'{stem}: {figs} figures shown, the notebook saves {want}'
        for name in names.get(stem, []):
            assert re.search(rf'<h[2-4][^>]*>[^<]*{re.escape(name)}', dom), f'{stem}: no API docs for {name}'


def test_screenshots(site, tmp_path):
    out = ROOT/'build'/'screenshots'; out.mkdir(parents=True, exist_ok=True)
    chapter = next(s for s in site if s != 'index')
    for stem in ('index', chapter):
        shot = out/f'{stem}.png'
        browser(f'--screenshot={shot}', '--window-size=1280,1600', site[stem].as_uri(), tmp=tmp_path)
        assert shot.exists() and shot.stat().st_size > 10_000, shot


def test_saved_figures_are_readable():
    "No saved figure is wider than 2000 px or flatter than 4:1 (such a figure is unreadable once fitted to a page)."
    import base64, struct
    bad = []
    for nb_path in sorted((ROOT/'nbs').glob('*.ipynb')):
        nb = nbformat.read(nb_path, as_version=4)
        for i, c in enumerate(nb.cells):
            for o in c.get('outputs', []) if c.cell_type == 'code' else []:
                png = o.get('data', {}).get('image/png')
                if not png: continue
                w, h = struct.unpack('>II', base64.b64decode(png)[16:24])
                if w > 2000 or w / h > 4: bad.append(f'{nb_path.stem} cell {i}: {w}x{h}')
    assert not bad, f'figures too wide to read: {bad}'
