"""The documentation site in a real browser: every lesson and library page of `_docs/` (built by `tools/build_docs.py`) opened in
Debian's Chromium through playwright.

Each page must have its title, at least one figure that really rendered (an `<img>` with a nonzero natural size) where the notebook
saved one, and a table; no internal link may be broken (the file exists, and so does the element its `#anchor` names); a screenshot
of each page goes to `$FTTUTOR_ARTIFACTS/site/` (default `ci-artifacts/site/`). nbdev's doc links (`fttutor/_modidx.py`) must land
on an element with the symbol's name. Skipped when the site is not built, unless `FTTUTOR_REQUIRE_SITE=1` (as `.ci/run` sets)."""
import functools, http.server, json, os, re, shutil, threading
from pathlib import Path
from urllib.parse import urldefrag, urlparse
import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT/'_docs'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
ID = re.compile(r'\bid="([^"]+)"')

def _pages() -> dict:
    "page name -> (notebook, title) for every lesson and library chapter"
    import sys; sys.path.insert(0, str(ROOT/'tools'))
    from build_docs import LESSONS, LIBRARY, page_name
    out = {}
    for nb in LESSONS + LIBRARY:
        cells = json.loads((ROOT/'nbs'/f'{nb}.ipynb').read_text())['cells']
        title = next(l[2:].strip() for c in cells if c['cell_type'] == 'markdown' for l in ''.join(c['source']).splitlines() if l.startswith('# '))
        outs = [o.get('data', {}) for c in cells for o in c.get('outputs', [])]
        lesson = nb[0].isdigit()   # a lesson must show a figure and a table; a library chapter, those it saved
        has_img = lesson or any('image/png' in d for d in outs)
        has_table = lesson or any('<table' in ''.join(d.get('text/html', '')) for d in outs)
        out[page_name(nb)] = (nb, title, has_img, has_table)
    return out

@pytest.fixture(scope='module')
def site_url():
    if not (SITE/'index.html').exists():
        if os.environ.get('FTTUTOR_REQUIRE_SITE'): pytest.fail('_docs/index.html is missing: run tools/build_docs.py first')
        pytest.skip('the site is not built (python tools/build_docs.py)')
    try: import playwright.sync_api  # noqa: F401
    except ImportError: pytest.skip('pip playwright is not installed')
    if not CHROMIUM: pytest.skip("Debian's chromium is not installed")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(SITE))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown()

@functools.lru_cache(None)
def _ids(html_file:Path) -> set: return set(ID.findall(html_file.read_text(errors='replace')))

def _broken_links(page:str, hrefs:list) -> list:
    "Internal links of `page` whose file, or whose `#anchor` in that file, does not exist"
    bad = []
    for href in hrefs:
        if urlparse(href).scheme in ('http', 'https', 'mailto', 'javascript', 'data') and '127.0.0.1' not in href: continue
        path, frag = urldefrag(urlparse(href).path if '127.0.0.1' in href else href)
        target = (SITE/page).parent/path if path and not path.startswith('/') else SITE/path.lstrip('/') if path else SITE/page
        if target.is_dir(): target = target/'index.html'
        if not target.exists(): bad.append(href)
        elif frag and target.suffix == '.html' and frag not in _ids(target): bad.append(href)
    return bad

DEBRIS = re.compile(r'\d+%\|[^\n]*\||\d+\.\d\d% \[\d+/\d+ |Loading weights|UserWarning|ipykernel_\d+|^usage: ', re.M)

def _reader_problems(view) -> list:
    "What a reader of this page would trip on: printed text that needs a sideways scroll, progress or warning debris, a visible `#|`, a broken image"
    out = []
    wide = view.eval_on_selector_all('div.cell_output div.output pre',
                                     'els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 80))')
    if wide: out.append(f"{len(wide)} printed block(s) wider than the column, e.g. {wide[0]!r}")
    outputs = view.eval_on_selector_all('div.cell_output', 'els => els.map(e => e.innerText)')
    junk = [m.group(0) for t in outputs for m in [DEBRIS.search(t)] if m]
    if junk: out.append(f"progress or warning debris: {junk[0]!r}")
    if view.locator('div.cell_output progress').count(): out.append('a progress bar')
    code = view.eval_on_selector_all('div.cell_input pre', 'els => els.map(e => e.innerText)')
    shown = [l for t in code for l in t.splitlines() if l.lstrip().startswith('#|')]
    if shown: out.append(f"{len(shown)} visible cell directive(s), e.g. {shown[0]!r}")
    broken = view.eval_on_selector_all('article img', 'els => els.filter(e => e.complete && e.naturalWidth === 0).map(e => e.getAttribute("alt") || e.src.slice(0, 60))')
    if broken: out.append(f"broken image(s): {broken[:3]}")
    return out

def test_every_page_in_chromium(site_url):
    from playwright.sync_api import sync_playwright
    shots = Path(os.environ.get('FTTUTOR_ARTIFACTS', ROOT/'ci-artifacts'))/'site'
    shots.mkdir(parents=True, exist_ok=True)
    pages = {**_pages(), 'index': ('index', 'fttutor', False, False), 'api': ('api', 'API reference', False, False)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
        view = browser.new_page(viewport={'width': 1280, 'height': 900})
        problems = []
        for page, (nb, title, has_img, has_table) in pages.items():
            view.goto(f'{site_url}/{page}.html', wait_until='load')
            assert title in view.locator('h1').first.inner_text(), (page, title)
            if has_table: assert view.locator('article table').count() > 0, f'{page}: no table'
            if has_img:
                sizes = view.eval_on_selector_all('article img', 'els => els.map(e => [e.naturalWidth, e.naturalHeight])')
                assert any(w > 0 and h > 0 for w, h in sizes), f'{page}: no rendered figure among {len(sizes)} images'
            hrefs = view.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')
            assert not _broken_links(f'{page}.html', hrefs), (page, _broken_links(f'{page}.html', hrefs))
            view.screenshot(path=str(shots/f'{page}.png'), full_page=False)
            problems += [f'{page}: {p}' for p in _reader_problems(view)]
        # the left navigation lists the lessons in order, and search finds a function
        view.goto(f'{site_url}/index.html')
        nav = view.locator('nav.bd-docs-nav a').all_inner_texts()
        lessons = [t for nb, t, *_ in _pages().values() if nb[0].isdigit()]
        nav = [n.strip() for n in nav]
        assert all(t in nav for t in lessons), (nav, lessons)
        assert [n for n in nav if n in lessons] == lessons, (nav, lessons)   # in lesson order
        view.goto(f'{site_url}/search.html?q=extract_features')
        view.wait_for_selector('#search-results li', timeout=20000)
        assert view.locator('#search-results li').count() > 0
        browser.close()
    assert not problems, '\n'.join(problems)   # after every page's screenshot: the list names them all

def test_nbdev_doc_links_land_on_their_symbol(site_url):
    "Every `page.html#name` that nbdev records for a public function, class or patched method exists on the site"
    import importlib
    from fttutor._modidx import d
    missing = []
    for modname, syms in d['syms'].items():
        public = set(getattr(importlib.import_module(modname), '__all__', []))
        for sym, (link, _) in syms.items():
            parts = sym.split('.')[2:]
            if len(parts) == 1 and parts[0] not in public: continue   # private: not documented
            if len(parts) > 1 and (parts[0] in public or parts[0].startswith('_')): continue   # a method of a documented or private class
            page, _, frag = link.partition('#')
            if not (SITE/page).exists() or frag not in _ids(SITE/page): missing.append(link)
    assert not missing, missing[:20]
