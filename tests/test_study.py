"""The study at the `mini` profile's size, end to end: every experiment runs, its table reads back with its provenance, the findings are
computed from it, a second run trains nothing, and `--check` says fresh (CI runs this; the committed tables are the `cpu` profile's)."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd

def _study(*args):
    exe = Path(sys.executable).parent/'fttutor-study'
    if not exe.exists(): exe = shutil.which('fttutor-study')
    assert exe, 'the fttutor-study console script is not installed'
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ, 'FTTUTOR_OFFLINE': '1', 'FTTUTOR_PROFILE': 'mini', 'OMP_NUM_THREADS': '1'})

def test_study_runs_resumes_and_feeds_the_findings(tmp_path):
    from fttutor.study import EXPERIMENTS
    from fttutor.findings import read_table, findings, claim_verdicts
    r = _study('--root', str(tmp_path), '--seeds', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    tables = {n: read_table(n, tmp_path, 'mini') for n in EXPERIMENTS}
    for n, t in tables.items():
        p = t.attrs['provenance']
        assert len(t) and p['experiment'] == n and p['profile'] == 'mini' and p['seeds'] == [0, 1] and len(p['code']) == 16, (n, p)
    claims = findings(tables)
    assert set(claims.experiment) == set(EXPERIMENTS), set(claims.experiment)
    measured = claims[claims['diff'].notna()]
    assert (measured.ci_low <= measured['diff']).all() and (measured['diff'] <= measured.ci_high).all()
    assert set(measured.verdict) <= {'supported', 'refuted', 'tie', 'underpowered'}, set(measured.verdict)
    assert set(claim_verdicts(claims).experiment) == set(EXPERIMENTS)
    # a second run finds every table fresh and trains nothing; --check agrees, and says stale for another number of seeds
    before = {n: (tmp_path/'mini'/n/'provenance.json').read_text() for n in EXPERIMENTS}
    again = _study('--root', str(tmp_path), '--seeds', '2')
    assert again.returncode == 0 and {n: (tmp_path/'mini'/n/'provenance.json').read_text() for n in EXPERIMENTS} == before
    assert _study('--root', str(tmp_path), '--seeds', '2', '--check').returncode == 0
    stale = _study('--root', str(tmp_path), '--seeds', '3', '--check')
    assert stale.returncode == 1 and 'stale' in stale.stdout, stale.stdout
