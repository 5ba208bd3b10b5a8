"tools/test_lessons.py: nbdev's test_nb under each profile in one pool, slowest first; failures named, exit status non-zero."
import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from test_lessons import slowest_first

def _nb(path, *sources):
    cells = [dict(cell_type='code', execution_count=None, id=f'c{i}', metadata={}, outputs=[], source=s) for i, s in enumerate(sources)]
    path.write_text(json.dumps(dict(cells=cells, metadata={}, nbformat=4, nbformat_minor=5)))
    return str(path)

def _run(*args):
    return subprocess.run([sys.executable, str(ROOT/'tools'/'test_lessons.py'), *args], capture_output=True, text=True,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'}, timeout=300)

def test_each_profile_runs_and_failures_are_named(tmp_path):
    seen = _nb(tmp_path/'profile.ipynb', "import os\nopen(os.environ['FTTUTOR_PROFILE'] + '.seen', 'w').close()")
    bad = _nb(tmp_path/'bad.ipynb', "import os\nassert os.environ['FTTUTOR_PROFILE'] != 'mini', 'fails under mini only'")
    skipped = _nb(tmp_path/'flagged.ipynb', "#| long\nraise SystemExit('a long cell ran without --flags long')")
    r = _run(seen, bad, skipped, '--profiles', 'cpu', 'mini')
    assert r.returncode != 0, r.stdout
    assert sorted(p.name for p in tmp_path.glob('*.seen')) == ['cpu.seen', 'mini.seen']   # each run saw its own profile
    assert 'Failed: bad.ipynb (mini)' in r.stderr, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith(('ok', 'FAIL'))]
    assert len(lines) == 6 and sum(l.startswith('FAIL') for l in lines) == 1, r.stdout   # 3 notebooks x 2 profiles, the long cell skipped
    r = _run(skipped, '--flags', 'long')
    assert r.returncode != 0 and 'FAIL' in r.stdout, r.stdout

def test_bad_input_is_one_clear_line(tmp_path):
    r = _run('lib_core', '--profiles', 'cpu', 'huge')
    assert r.returncode != 0 and 'Unknown profile huge' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = _run('no_such_lesson')
    assert r.returncode != 0 and 'No notebook no_such_lesson' in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_slowest_first_interleaves_profiles():
    from test_lessons import HINT_S
    nbs = [Path(f'{n}.ipynb') for n in ('01_setup', '05_text', '07_compare')]
    order = [(p, f.stem) for p, f in slowest_first([(p, f) for p in ('cpu', 'mini') for f in nbs])]
    hints = [HINT_S[p].get(n, 30) for p, n in order]
    assert hints == sorted(hints, reverse=True), list(zip(order, hints))   # longest expected first, whichever profile
    top = max(((p, f.stem) for p in ('cpu', 'mini') for f in nbs), key=lambda t: HINT_S[t[0]].get(t[1], 30))
    assert order[0] == top and order[-2:] == [('cpu', '01_setup'), ('mini', '01_setup')], order   # the unhinted last, profiles in order
    assert len({p for p, _ in order[:3]}) == 2, order   # the profiles interleave: the long runs of both come first

def test_long_cells_run_only_under_the_profiles_named(tmp_path):
    nb = _nb(tmp_path/'long.ipynb', "#| long\nimport os\nopen(os.environ['FTTUTOR_PROFILE'] + '.long', 'w').close()")
    r = _run(nb, '--profiles', 'cpu', 'mini', '--long', 'mini')
    assert r.returncode == 0, r.stdout + r.stderr
    assert [p.name for p in tmp_path.glob('*.long')] == ['mini.long'], list(tmp_path.iterdir())   # skipped under cpu, run under mini
    assert 'the `#| long` cells under mini only' in r.stdout, r.stdout
    r = _run(nb, '--profiles', 'cpu', '--long', 'mini')
    assert r.returncode != 0 and '--long mini: not among --profiles (cpu)' in r.stderr and 'Traceback' not in r.stderr, r.stderr
