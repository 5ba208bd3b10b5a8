"""Build the documentation site into `_docs/`, offline, with Sphinx, myst-nb and sphinx-book-theme (no Quarto needed).

    pip install -e ".[docs]"
    python tools/build_docs.py            # _docs/index.html is the home page

nbdev's own processors (`nbdev.processors.FilterDefaults`, the pipeline of `nbdev.serve.proc_nbs`) prepare the notebooks, as they do for
Quarto: they drop `#| export` and `#| hide` cells, add and run the `show_doc` cells (signatures, docments and source links), and move
each notebook's title into front matter. Only exported cells, import-only cells and `show_doc` calls run for that (nbdev would also
rerun every lesson cell that mixes an import with training). This script then turns the front matter back into a page title, names
each page as nbdev's doc links expect (`02_features.ipynb` becomes `features.html`), adds nbdev's anchor for every documented symbol
(its name in lower case: `features.html#extract_features`, `finetuning.html#learner.fit_steps`, as `fttutor/_modidx.py` records
them), writes an API reference page, and runs Sphinx on the saved outputs: no lesson is executed again.
"""
import argparse, importlib, json, re, shutil, subprocess, sys, time, uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT = ROOT/'nbs', ROOT/'_docs'
LESSONS = ['00_findings', '01_setup', '02_features', '03_freezing', '04_finetuning', '05_text', '06_lora', '07_compare', '07b_data_layers', '08_adapters', '09_tuning', '10_deploy', '11_noisy']
LIBRARY = ['lib_core', 'lib_models', 'lib_data', 'lib_cache', 'lib_protocol', 'lib_stats', 'lib_results', 'lib_study', 'lib_findings', 'lib_distrib', 'lib_cli']
MODULES = ['core', 'models', 'data', 'cache', 'protocol', 'stats', 'check', 'features', 'freezing', 'finetuning', 'text', 'lora', 'compare', 'transfer', 'adapters', 'tuning', 'distrib', 'deploy', 'noisy', 'cli']

def page_name(nb:str) -> str:
    "nbdev's page name for a notebook: the number prefix dropped (`02_features` -> `features`, `07b_data_layers` -> `data_layers`)"
    return re.sub(r'^\d+[a-z]?_', '', nb)

def _md(text:str) -> dict: return {'cell_type': 'markdown', 'id': uuid.uuid4().hex[:8], 'metadata': {}, 'source': text}

def _front_matter(cell) -> dict:
    "title and description from the raw `---` YAML cell that nbdev's `FrontmatterProc` writes"
    import yaml
    return yaml.safe_load(''.join(cell['source']).strip().strip('-')) or {}

SOURCE_ATTRS = re.compile(r'(\[source\]\([^)]*\))\{[^}]*\}')   # Quarto's link attributes, which MyST would print
SOURCE_LINK = re.compile(r'^\[source\]\([^)]*\)\s*$', re.M)
DOC_HEADING = re.compile(r'^(#{2,4}) (\w+(?:\.\w+)?)\s*$', re.M)

def _anchor_show_doc(text:str) -> str:
    "Strip Quarto-only attributes; before each symbol's heading put nbdev's anchor for it, its name in lower case (`Learner.fit_steps` -> `learner.fit_steps`)"
    text = SOURCE_ATTRS.sub(r'\1', text).lstrip()
    if text.startswith('---'): text = text[3:]   # Quarto's rule above each entry: a transition docutils refuses inside a cell
    link = SOURCE_LINK.search(text)              # Quarto floats it right of the heading; here it goes under the heading it belongs to
    if link: text = text[:link.start()] + text[link.end():]
    after = f"\n\n{link.group(0).strip()}" if link else ''
    return DOC_HEADING.sub(lambda m: f'<a id="{m.group(2).lower()}"></a>\n\n{m.group(1)} {m.group(2)}{after}', text, count=1)

COLAB_BADGE = re.compile(r'\[!\[Open In Colab\]\([^)]*\)\]\(([^)]+)\)')

def _local(md:str) -> str:
    "Colab badges as text links (their image is online, and a page read offline shows a broken image); links to a lesson by its page's name"
    md = re.sub(r'\]\((\d+[a-z]?_\w+)\.ipynb', lambda m: f']({page_name(m.group(1))}.ipynb', md)   # `07b_data_layers.ipynb` is staged as `data_layers.ipynb`
    return COLAB_BADGE.sub(r'[Colab](\1)', md)

NB_HREF = re.compile(r'href="(\w+)\.ipynb(#[^"]*)?"')   # a link to a lesson in an HTML output: to its page on the site

def _strip_directives(cell) -> bool:
    "Remove the `#|` lines a reader should not see (an `echo: false` cell shows its output only); False when nothing is left to show"
    lines = ''.join(cell['source']).split('\n')
    directives = [l[2:].strip() for l in lines if l.startswith('#|')]
    code = '\n'.join(l for l in lines if not l.startswith('#|')).strip('\n')
    if any(d.replace(' ', '') == 'echo:false' for d in directives) or not code:
        cell.setdefault('metadata', {}).setdefault('tags', []).append('remove-input')
    cell['source'] = code
    return bool(code or cell.get('outputs'))

def stage_notebook(src:Path, dst:Path) -> str:
    "A processed notebook made ready for myst-nb (a real H1 title, anchored `show_doc` output, no front matter); its title"
    nb = json.loads(src.read_text())
    cells, title = [], dst.stem
    for c in nb['cells']:
        if c['cell_type'] == 'raw' and ''.join(c['source']).startswith('---'):
            fm = _front_matter(c)
            title = fm.get('title', title)
            if fm.get('title'): cells.append(_md(f"# {fm['title']}\n\n" + (f"> {fm['description']}\n" if fm.get('description') else '')))
            continue
        if c['cell_type'] == 'markdown' and ''.join(c['source']).startswith('<!-- WARNING'): continue
        if c['cell_type'] == 'code' and not _strip_directives(c): continue
        if c['cell_type'] == 'markdown': c['source'] = _local(''.join(c['source']))
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = _local(_anchor_show_doc(''.join(md)))
            html = o.get('data', {}).get('text/html')
            if html is not None: o['data']['text/html'] = NB_HREF.sub(lambda m: f'href="{page_name(m.group(1))}.html{m.group(2) or ""}"', ''.join(html))
        cells.append(c)
    nb['cells'] = cells
    nb['metadata'].pop('widgets', None)
    nb['metadata']['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}   # code cells highlighted as Python
    nb['metadata']['language_info'] = {'name': 'python'}
    dst.write_text(json.dumps(nb))
    return title

REPO = 'https://github.com/fttutor/fttutor/blob/main/'

def _site_links(md:str) -> str:
    "Links of the README (written for the repository) made right for the site"
    md = re.sub(r'\]\(nbs/([\w-]+)\.ipynb\)', lambda m: f']({page_name(m.group(1))}.html)', md)
    return re.sub(r'\]\((?!https?:|#|mailto:)([^)\s]+)\)', lambda m: f']({REPO}{m.group(1)})', md)

def api_page(pages:dict, titles:dict) -> str:
    "The API reference: every public symbol of every module, with its signature and docments, linking to the chapter that teaches it"
    from nbdev.showdoc import show_doc
    lines = ['# API reference', '',
             '> Every public name of fttutor, module by module, with its signature and parameters. Each links to the lesson or chapter that '
             'teaches it. `from fttutor.all import *` gives the names a lesson calls (`fttutor.all.PUBLIC`).', '']
    for m in MODULES:
        mod = importlib.import_module(f'fttutor.{m}')
        nb = next((k for k in pages if re.search(rf'#\| default_exp {m}\b', (NBS/f'{k}.ipynb').read_text())), None)   # the notebook that exports it
        lines += [f'## fttutor.{m}', '', (mod.__doc__ or '').split('\n')[0], '']
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            if not callable(obj) or getattr(obj, '__module__', None) != mod.__name__: continue
            md = show_doc(obj, title_level=3)._repr_markdown_()
            md = _anchor_show_doc(md)
            if nb: md += f'\n\nTaught in <a href="{pages[nb]}.html#{name.lower()}">{titles[nb]}</a>.\n'   # raw HTML: MyST would take a .html link for a cross-reference
            lines += [md, '']
    return '\n'.join(lines)

SLUG = '''def nbdev_slug(text):
    "nbdev's anchors: a heading that is a Python name keeps it (`extract_features`); others become lower-case words joined by '-'"
    import re
    text = text.strip()
    if re.fullmatch(r"[A-Za-z_][\\w.]*", text): return text.lower()
    return re.sub(r"[^\\w-]+", "-", text.lower()).strip("-")
'''

CONF = '''import sys; sys.path.insert(0, '.')
from nbdev_slug import nbdev_slug   # a module, so that Sphinx's parallel workers can pickle it

project = "fttutor"
author = "fttutor developers"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_title = "fttutor"
html_theme_options = {"repository_url": "https://github.com/fttutor/fttutor", "use_repository_button": True,
                      "show_toc_level": 2, "navigation_with_keys": False}
nb_execution_mode = "off"              # the lessons' saved outputs, as committed
nb_render_markdown_format = "myst"     # show_doc's markdown output becomes real headings
nb_output_stderr = "show"
# widgets cannot run on a static page: their outputs carry a text/html fallback (the state the slider starts on)
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 4
myst_heading_slug_func = nbdev_slug
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure", "myst.xref_missing", "config.cache"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_static_path = ["_static"]
html_css_files = ["fttutor.css"]

'''

CSS = """/* Printed text wraps: a verdict is read in full, without a sideways scroll */
div.cell_output div.output.stream pre, div.cell_output div.output.text_plain pre, div.cell_output div.output.stderr pre {
  white-space: pre-wrap; overflow-wrap: anywhere; }
/* A table wider than the column scrolls inside its own box, on purpose; the page itself never does */
div.cell_output table.dataframe { display: block; overflow-x: auto; max-width: 100%; font-size: 0.85em; }
/* Figures never wider than the column */
div.cell_output img { max-width: 100%; height: auto; }
"""

def _docs_only(cell) -> bool:
    "Run for the docs only what `show_doc` needs: exported cells, cells of nothing but imports, `show_doc` calls"
    import ast
    from nbdev.processors import cell_lang
    if cell.cell_type != 'code' or cell_lang(cell) != 'python' or not cell.source: return False
    if cell.directives_.get('eval', '').lower() == 'false': return False
    if cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}: return True
    trees = cell.parsed_()
    if not trees: return False
    return all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees) or all(
        isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, 'id', '') == 'show_doc' for t in trees)

def process(force:bool=False) -> Path:
    """nbdev's doc processing of every notebook into `_proc/` (nbdev's `proc_nbs` pipeline, `FilterDefaults`), which reruns a lesson
    cell that mixes imports with other code (training, in a lesson); here only exported cells, import-only cells and `show_doc` run"""
    import nbdev, nbdev.processors
    from nbdev.processors import FilterDefaults
    from nbdev.serve_drv import exec_nb
    if not callable(getattr(nbdev.processors, '_do_eval', None)):   # a private API: pyproject.toml bounds nbdev below 4 for this
        raise SystemExit(f"nbdev {nbdev.__version__} has no nbdev.processors._do_eval, which this build replaces: install nbdev>=3.3,<4")
    nbdev.processors._do_eval = _docs_only
    proc = ROOT/'_proc'
    for src in sorted(NBS.glob('*.ipynb')):
        dst = proc/src.name
        if not force and dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime: continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        exec_nb(src, dst, FilterDefaults)
    return proc

def build(force:bool=False, workers:int=2) -> Path:
    start = time.time()
    proc = process(force)
    print(f"processed the notebooks (nbdev): {time.time() - start:.0f} s", flush=True)
    src = ROOT/'_docs_src'
    shutil.rmtree(src, ignore_errors=True); src.mkdir()
    pages = {nb: page_name(nb) for nb in LESSONS + LIBRARY}
    titles = {nb: stage_notebook(proc/f'{nb}.ipynb', src/f'{page}.ipynb') for nb, page in pages.items()}
    stage_notebook(proc/'index.ipynb', src/'index.ipynb')
    index = json.loads((src/'index.ipynb').read_text())
    for c in index['cells']:   # the README's links point into the repository: lessons become site pages, other files GitHub pages
        if c['cell_type'] == 'markdown': c['source'] = _site_links(''.join(c['source']))
    toc = lambda caption, names: f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n:hidden:\n\n" + '\n'.join(names) + "\n```\n"
    index['cells'].append(_md(toc('Lessons', [pages[n] for n in LESSONS]) + '\n' + toc('Library', [pages[n] for n in LIBRARY] + ['api'])))
    (src/'index.ipynb').write_text(json.dumps(index))
    (src/'api.md').write_text(api_page(pages, titles))
    (src/'conf.py').write_text(CONF)
    (src/'_static').mkdir(exist_ok=True); (src/'_static'/'fttutor.css').write_text(CSS)
    (src/'nbdev_slug.py').write_text(SLUG)
    shutil.rmtree(OUT, ignore_errors=True)
    t = time.time()
    subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-j', str(workers), str(src), str(OUT)], check=True, cwd=src)
    shutil.rmtree(OUT.parent/'jupyter_execute', ignore_errors=True)   # myst-nb's copies of the notebooks beside the output folder
    print(f"sphinx: {time.time() - t:.0f} s; site built in {time.time() - start:.0f} s: {OUT/'index.html'}")
    return OUT

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--force', action='store_true', help="process every notebook again (processed notebooks are kept in _proc/)")
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    build(a.force, a.workers)
