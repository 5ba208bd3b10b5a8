"""The lessons' saved outputs: execute the notebooks in place, and check that what they show is complete and fresh.

    python tools/outputs.py execute [NOTEBOOK ...]   # re-execute (default: every notebook in nbs/), 2 at a time, from a new FTTUTOR_HOME
    python tools/outputs.py check                    # fail if an output is missing, an error, or older than the library code
    python tools/outputs.py run NOTEBOOK ...         # execute as `execute` does, but save nothing: a lesson as a test (tools/floors.sh)

Freshness: after executing a notebook, `execute` stamps its metadata (`fttutor.sources`) with a hash of each source the notebook
depends on: its own code cells (the generated install cell aside), the `cpu` profile in `settings.ini` (with the defaults it inherits),
`fttutor/__init__.py`, the modules the notebook exports, the fttutor modules its code imports, the modules that define the names it
takes from `fttutor.all` (followed name by name: `fttutor.all` imports every module, but a lesson's outputs depend only on what it
calls) and the modules whose `@patch` methods it calls, and every fttutor module those import, transitively. `check` recomputes those
hashes and names the notebooks whose outputs were produced by other code. The `# %%` cell markers nbdev writes are left out of the hash, so
renaming a notebook does not make every output stale, while any change to the code itself does.

Cells flagged with one of `tst_flags` (`#| slow`, `#| cuda`, `#| notest`: online downloads, GPU runs) are not executed, as in `nbdev-test`;
cells flagged `#| long` (offline, but minutes long on the `cpu` profile) are: `nbdev-test` skips them, CI's test command runs them under the
`mini` profile only (`tools/test_lessons.py --long mini`), and their saved `cpu` outputs are checked here.
"""
import argparse, ast, hashlib, json, os, re, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, LIB = ROOT/'nbs', ROOT/'fttutor'
SKIP_TAG = 'skip-execution'
TQDM = re.compile(r'^.*\d+%\|.*\|.*$')   # a tqdm progress line (transformers' "Loading weights: 100%|...|"), noise on a page
CONSOLE_BAR = re.compile(r'\d+\.\d\d% \[\d+/\d+ ')   # fastprogress in a console ('100.00% [2/2 00:12<00:00]'), printed into a captured stdout

RUN_FLAGS = {'long', 'deploy', 'tune'}   # skipped by nbdev-test (CI's time; an optional extra), run here: their outputs are saved and checked like any other

def tst_flags() -> set:
    "The flags whose cells are not executed: nbdev's `tst_flags` except `RUN_FLAGS`"
    flags = re.search(r'^tst_flags\s*=\s*"([^"]*)"', (ROOT/'pyproject.toml').read_text(), re.M).group(1)   # no tomllib on Python 3.10
    return set(flags.split()) - RUN_FLAGS

def _src(cell) -> str: return ''.join(cell['source'])

def _directives(cell) -> dict:
    "nbdev's `#| name args` lines at the top of a cell, as `{name: args}`"
    out = {}
    for line in _src(cell).splitlines():
        if not line.startswith('#|'): break
        name, _, args = line[2:].strip().partition(' ')
        out[name] = args.strip()
    return out

def _skipped(cell, flags:set) -> bool:
    "Is this a code cell nbdev-test skips: flagged with one of `flags`, or `#| eval: false`?"
    if cell['cell_type'] != 'code': return False
    d = _directives(cell)
    return bool(flags & set(d)) or d.get('eval:', '').lower() == 'false' or d.get('eval', '').lstrip(':').strip().lower() == 'false'

# --- what a notebook depends on ---
INSTALL_CELL = '# fttutor install cell:'   # the generated first cell (tools/install_cell.py): set-up, not lesson code

def _is_install(cell) -> bool: return cell['cell_type'] == 'code' and INSTALL_CELL in _src(cell).split('\n', 2)[1:2][0] if '\n' in _src(cell) else False

def _code(nb:dict) -> str:
    "The notebook's own code: every code cell but the generated install cell"
    return '\n\0'.join(_src(c) for c in nb['cells'] if c['cell_type'] == 'code' and not _is_install(c))

def _module_imports(code:str) -> set:
    "Names of the fttutor modules that `code` imports (the library's rule, `fttutor.study.module_imports`: the study's tables follow it too)"
    from fttutor.study import module_imports
    return module_imports(code)

def _closure(mods:set) -> set:
    "`mods` and every fttutor module they import, transitively"
    from fttutor.study import module_closure
    return module_closure(mods)

def _public_names() -> dict:
    "`{name: module}` for the names `fttutor.all` gives a lesson (its `from .module import ...` lines)"
    tree = ast.parse((LIB/'all.py').read_text())
    return {a.asname or a.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1 for a in node.names}

def _patched_methods() -> dict:
    "`{method: module}` for the methods fttutor modules add to fastai classes with `@patch` (e.g. `learn.to_lora()`)"
    out = {}
    for f in LIB.glob('*.py'):
        for name in re.findall(r'^@patch[^\n]*\ndef (\w+)\(', f.read_text(), re.M): out.setdefault(name, f.stem)
    return out

def _identifiers(code:str) -> set:
    "The names and attribute names `code` uses (words in comments and strings do not count); cell by cell, shell and magic lines left out"
    out = set()
    for cell in code.split('\n\0'):
        src = '\n'.join(l for l in cell.splitlines() if not l.lstrip().startswith(('!', '%')))
        try: tree = ast.parse(src)
        except SyntaxError: out |= set(re.findall(r'\b\w+\b', src)); continue
        out |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        out |= {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    return out

def _used(code:str, names) -> set:
    "The names among `names` that `code` uses as identifiers"
    return set(names) & _identifiers(code)

def dependencies(nb:dict) -> list:
    "Paths, relative to the repository, of the sources whose code a notebook's outputs depend on"
    code = _code(nb)
    lines = code.replace('\0', '')
    mods = _module_imports(lines) | set(re.findall(r'^#\| (?:default_exp|export) (\w+)', lines, re.M))
    if re.search(r'\bfttutor\.all\b', lines):   # through `fttutor.all`: the modules that define the names this notebook uses
        public = _public_names()
        mods |= {public[n] for n in _used(code, public)}
    patched = _patched_methods()
    mods |= {patched[m] for m in _identifiers(code) & set(patched)}
    tables = [f'data/study/{PROFILE}/{n}/{f}' for n in re.findall(r"\bread_table\('(\w+)'", lines) for f in ('table.csv', 'provenance.json')]
    return ['settings.ini', 'fttutor/__init__.py'] + [f'fttutor/{m}.py' for m in sorted(_closure(mods))] + tables   # the study tables it reads

PROFILE = 'cpu'   # the lesson profile the saved outputs are executed under

def _profile_text() -> str:
    "The part of `settings.ini` the saved outputs depend on: the defaults and the `cpu` profile (other profiles may change freely)"
    import configparser
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ROOT/'settings.ini')
    return '\n'.join(f'{k} = {v}' for k, v in sorted(cp[PROFILE].items()))

def _hash(rel:str) -> str:
    if rel != 'settings.ini' and not (ROOT/rel).exists(): return 'missing'
    text = _profile_text() if rel == 'settings.ini' else (ROOT/rel).read_text()
    if rel.endswith('.py'): text = '\n'.join(l for l in text.splitlines() if not l.startswith('# %% '))
    return hashlib.sha256(text.encode()).hexdigest()[:16]

CELLS = 'code cells'   # the notebook's own code: editing a cell makes its saved outputs stale too

def _cells_hash(nb:dict) -> str:
    code = '\n\0'.join(_src(c) for c in nb['cells'] if c['cell_type'] == 'code' and not _is_install(c))
    return hashlib.sha256(code.encode()).hexdigest()[:16]

def stamp(nb:dict) -> dict:
    return {CELLS: _cells_hash(nb), **{rel: _hash(rel) for rel in dependencies(nb)}}

# --- what a code cell should show ---
def _code_lines(cell) -> str:
    return '\n'.join(l for l in _src(cell).splitlines() if not l.startswith(('#|', '!', '%')))

def should_show(cell) -> bool:
    "Does this lesson cell print, plot or end in a value? (Exported definitions and hidden test cells need not show anything.)"
    if cell['cell_type'] != 'code' or {'export', 'exports', 'hide', 'exporti', 'default_exp'} & set(_directives(cell)): return False
    code = _code_lines(cell).strip()
    if not code: return False
    if re.search(r'\bprint\(|\bdisplay\(|\.show_batch\(|\bplot_\w+\(|\bplt\.', code): return True
    try: last = ast.parse(code).body[-1]
    except SyntaxError: return False
    if code.endswith(';') or not isinstance(last, ast.Expr): return False
    f = last.value.func if isinstance(last.value, ast.Call) else None
    name = getattr(f, 'id', getattr(f, 'attr', ''))
    return not name.startswith(('test_', 'assert'))

def problems(fn:Path, flags:set) -> list:
    "What is wrong with the saved outputs of notebook `fn`, one line each"
    nb, out = json.loads(fn.read_text()), []
    want = stamp(nb)
    have = nb['metadata'].get('fttutor', {}).get('sources')
    if have is None: out.append('never executed by tools/outputs.py execute (no fttutor.sources in its metadata)')
    else:
        changed = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
        if changed: out.append('stale: executed with other versions of ' + ', '.join(changed))
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code' or _skipped(c, flags): continue
        errs = [o for o in c.get('outputs', []) if o['output_type'] == 'error']
        first = _src(c).splitlines()[0][:60] if _src(c) else ''
        if errs: out.append(f'cell {i} ({first!r}) saved an error: {errs[0].get("ename")}')
        junk = [d for d in map(debris, c.get('outputs', [])) if d]
        if junk: out.append(f'cell {i} ({first!r}) saved {junk[0]}')
        elif should_show(c) and not c.get('outputs'): out.append(f'cell {i} ({first!r}) shows nothing')
    return out

def debris(o:dict) -> str:
    "What kind of progress debris output `o` is ('' if none): a fastprogress bar, an empty fastprogress table, a model-loading bar"
    data = o.get('data', {})
    html, text = ''.join(data.get('text/html', '')), ''.join(data.get('text/plain', ''))
    if '<progress' in html and re.fullmatch(r'\s*(<div>)?\s*<progress[^>]*></progress>[^<]*(</div>)?\s*', html): return 'a progress bar'
    if 'class="fastprogress"' in html and '<tbody></tbody>' in html: return 'an empty progress table'
    if 'Loading weights' in text or 'Loading weights' in ''.join(o.get('text', '')): return "a 'Loading weights' bar"
    if CONSOLE_BAR.search(''.join(o.get('text', '')) + text): return "a console progress bar (fastprogress printing to a captured stdout)"
    if 'text/html' in data and not re.sub(r'<style>.*?</style>', '', html, flags=re.S).strip():   # a bar cleared when it finished, or its style alone
        return 'an empty progress display'
    return ''

# --- executing ---
def _trim(nb:dict):
    "Drop progress-bar noise from stderr and progress debris (finished bars, empty progress tables); keep every other output"
    for c in nb['cells']:
        keep = []
        for o in c.get('outputs', []):
            if o['output_type'] in ('display_data', 'update_display_data') and debris(o): continue
            if o['output_type'] == 'stream' and o['name'] == 'stderr':
                text = ''.join(o['text']).replace('\r', '\n')
                lines = [l for l in text.split('\n') if l.strip() and not TQDM.match(l)]
                if not lines: continue
                o['text'] = '\n'.join(lines) + '\n'
            keep.append(o)
        if 'outputs' in c: c['outputs'] = keep

def _run(nb, timeout:int=3600):
    "Execute nbformat notebook `nb` (kernel in `nbs/`, the running Python's `python3` kernel), skipping flagged cells"
    from nbclient import NotebookClient
    flags = tst_flags()
    for c in nb.cells:
        tags = c.metadata.get('tags', [])
        if _skipped(c, flags) and SKIP_TAG not in tags: c.metadata['tags'] = tags + [SKIP_TAG]
    NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}},
                   skip_cells_with_tag=SKIP_TAG, record_timing=False).execute()   # widget state: dropped below
    for c in nb.cells:
        if SKIP_TAG in c.metadata.get('tags', []):
            c.metadata['tags'].remove(SKIP_TAG)
            if not c.metadata['tags']: del c.metadata['tags']

def execute_one(fn:Path, timeout:int=3600) -> float:
    "Execute notebook `fn` in place, skipping flagged cells; trim, stamp and nbdev-clean it"
    import nbformat
    start = time.time()
    nb = nbformat.read(fn, as_version=4)
    sources = stamp(json.loads(nbformat.writes(nb)))   # the code as it is when execution starts
    _run(nb, timeout)
    nb = json.loads(nbformat.writes(nb))
    _trim(nb)
    nb['metadata'].pop('widgets', None)   # widget state would make GitHub refuse to render; the outputs carry a static fallback
    nb['metadata']['fttutor'] = {'sources': sources, 'executed_s': round(time.time() - start)}
    fn.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(fn)], check=True, cwd=ROOT)
    return time.time() - start

def execute(files:list, workers:int=2):
    "Execute `files` (default: every notebook in nbs/), `workers` at a time, offline and from one new `FTTUTOR_HOME`"
    files = [Path(f).resolve() for f in files] or sorted(NBS.glob('*.ipynb'))
    # the longest first (by the time the last execution took; never executed: first), so that the workers finish together
    files.sort(key=lambda f: -json.loads(f.read_text())['metadata'].get('fttutor', {}).get('executed_s', 1e9))
    env = dict(FTTUTOR_HOME=tempfile.mkdtemp(prefix='fttutor-outputs-home.'), FTTUTOR_OFFLINE='1', OMP_NUM_THREADS='1', FTTUTOR_PROFILE=PROFILE)
    print(f"executing {len(files)} notebooks, {workers} at a time, FTTUTOR_HOME={env['FTTUTOR_HOME']}", flush=True)
    def run(f):
        r = subprocess.run([sys.executable, __file__, '_one', str(f)], env={**os.environ, **env}, capture_output=True, text=True)
        print(f"{'ok' if r.returncode == 0 else 'FAILED'}: {f.name} {r.stdout.strip()}", flush=True)
        if r.returncode: print(r.stderr[-4000:], flush=True)
        return r.returncode
    with ThreadPoolExecutor(workers) as ex: codes = list(ex.map(run, files))
    if any(codes): sys.exit(1)

def run_only(files:list) -> int:
    "Execute `files` one after another and save nothing: exit status 1 if a cell fails"
    import nbformat
    from nbclient.exceptions import CellExecutionError
    bad = 0
    for f in files:
        start = time.time()
        try: _run(nbformat.read(f, as_version=4)); print(f"ok: {Path(f).name} in {time.time() - start:.0f} s", flush=True)
        except CellExecutionError as e: print(f"FAILED: {Path(f).name}\n{str(e)[-3000:]}", flush=True); bad += 1
    return 1 if bad else 0

def study_problems() -> list:
    "The committed study tables that are missing or stale: made by other code, data, settings or seeds than today's"
    from fttutor.study import study_status
    st = study_status(ROOT/'data'/'study', PROFILE)
    return [f"data/study/{PROFILE}/{n}: {r.status}{f' ({r.changed} changed)' if r.changed else ''}: run fttutor-study --root data/study --only {n}"
            for n, r in st.iterrows() if r.status != 'fresh']

def check() -> int:
    flags, bad = tst_flags(), 0
    for fn in sorted(NBS.glob('*.ipynb')):
        for p in problems(fn, flags):
            print(f'{fn.relative_to(ROOT)}: {p}'); bad += 1
    for p in study_problems(): print(p); bad += 1
    if bad: print("Re-execute the notebooks named above: python tools/outputs.py execute nbs/NAME.ipynb ...", file=sys.stderr)
    else: print(f"saved outputs: complete and fresh in all {len(list(NBS.glob('*.ipynb')))} notebooks")
    return 1 if bad else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    e = sub.add_parser('execute', help='re-execute notebooks in place'); e.add_argument('files', nargs='*'); e.add_argument('--workers', type=int, default=2)
    sub.add_parser('check', help='fail on missing, failed or stale outputs')
    r = sub.add_parser('run', help='execute notebooks and save nothing'); r.add_argument('files', nargs='+')
    one = sub.add_parser('_one'); one.add_argument('file')
    a = ap.parse_args()
    if a.cmd == 'execute': execute(a.files, a.workers)
    elif a.cmd == 'check': sys.exit(check())
    elif a.cmd == 'run': sys.exit(run_only(a.files))
    else: print(f"{execute_one(Path(a.file)):.0f} s")
