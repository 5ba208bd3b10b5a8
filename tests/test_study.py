"""The study at the `mini` profile's size, end to end: every experiment runs, its table reads back with its provenance, the findings are
computed from it, a second run trains nothing, and `--check` says fresh (CI runs this; the committed tables are the `cpu` profile's).
The experiments that read no other table (text, layers) run in a test of their own, so that pytest's two workers share the study."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd

ALONE = ['text', 'layers']   # they use no other experiment's table

def _study(*args):
    exe = Path(sys.executable).parent/'fttutor-study'
    if not exe.exists(): exe = shutil.which('fttutor-study')
    assert exe, 'the fttutor-study console script is not installed'
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ, 'FTTUTOR_OFFLINE': '1', 'FTTUTOR_PROFILE': 'mini', 'OMP_NUM_THREADS': '1'})

def _runs_resumes_and_feeds_the_findings(root:Path, names:list):
    from fttutor.study import EXPERIMENTS
    from fttutor.findings import read_table, findings, claim_verdicts
    only = ['--only', ','.join(names)]
    r = _study('--root', str(root), '--seeds', '2', *only)
    assert r.returncode == 0, r.stderr[-3000:]
    tables = {n: read_table(n, root, 'mini') for n in names}
    for n, t in tables.items():
        p = t.attrs['provenance']
        assert len(t) and p['experiment'] == n and p['profile'] == 'mini' and p['seeds'] == [0, 1] and len(p['code']) == 16, (n, p)
    claims = findings(tables)
    assert set(claims.experiment) == set(names), set(claims.experiment)
    measured = claims[claims['diff'].notna()]
    assert (measured.ci_low <= measured['diff']).all() and (measured['diff'] <= measured.ci_high).all()
    assert set(measured.verdict) <= {'supported', 'refuted', 'tie', 'underpowered'}, set(measured.verdict)
    assert set(claim_verdicts(claims).experiment) == set(names)
    # a second run finds every table fresh and trains nothing; --check agrees, and says stale for another number of seeds (in this
    # process, as the command calls them: the command itself was run above, and each start of it costs seconds of imports)
    from fttutor.study import run_study, study_status
    before = {n: (root/'mini'/n/'provenance.json').read_text() for n in names}
    assert set(run_study(root, names, 'mini', seeds=2).status) == {'fresh'}
    assert {n: (root/'mini'/n/'provenance.json').read_text() for n in names} == before
    assert set(study_status(root, 'mini', names, seeds=3).status) == {'stale'}
    stale = _study('--root', str(root), '--seeds', '3', '--check', *only)
    assert stale.returncode == 1 and 'stale' in stale.stdout, stale.stdout

def test_study_runs_resumes_and_feeds_the_findings(tmp_path):
    from fttutor.study import EXPERIMENTS
    _runs_resumes_and_feeds_the_findings(tmp_path, [n for n in EXPERIMENTS if n not in ALONE])

def test_study_experiments_that_stand_alone(tmp_path):
    from fttutor.study import EXPERIMENTS
    assert set(ALONE) <= set(EXPERIMENTS) and all(not EXPERIMENTS[n].uses for n in ALONE)
    _runs_resumes_and_feeds_the_findings(tmp_path, ALONE)
