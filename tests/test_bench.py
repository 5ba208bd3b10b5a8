"The side-by-side benchmark finds the commands it times and reports accuracy beside speed (the timed runs themselves are in bench/)."
import importlib.util, subprocess, sys
from pathlib import Path
import pandas as pd, pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('compare_speed', ROOT/'bench'/'compare_speed.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_finds_todays_test_command(bench):
    cmd = bench.test_cmd(ROOT)
    assert cmd[:2] == ['bash', '-c'], cmd
    assert 'tools/test_lessons.py --profiles cpu mini --long mini' in cmd[2] and 'pytest' in cmd[2], cmd[2]
    assert f'{Path(sys.executable).parent}/python tools/test_lessons.py' in cmd[2], cmd[2]   # run with the benchmark's own environment

def test_finds_the_before_revisions_test_command(bench, tmp_path):
    readme = subprocess.run(['git', '-C', str(ROOT), 'show', f'{bench.DEFAULT_BEFORE}:README.md'], capture_output=True, text=True)
    if readme.returncode: pytest.skip(f'{bench.DEFAULT_BEFORE} is not in this clone: {readme.stderr.strip()}')
    (tmp_path/'README.md').write_text(readme.stdout)
    cmd = bench.test_cmd(tmp_path)[2]
    assert 'nbdev-test --timing' in cmd and 'pytest' in cmd, cmd

def test_accuracy_table(bench, capsys):
    run = lambda acc: pd.DataFrame(dict(test_accuracy=acc, lr=[float('nan'), 1e-3, 3e-3]), index=pd.Index(['linear_probe', 'fine_tune', 'scratch'], name='strategy'))
    bench.accuracy_table({'before': [run([0.9, 0.8, 0.1])], 'after': [run([0.9, 0.7, 0.3]), run([0.8, 0.7, 0.3])]})
    out = capsys.readouterr().out
    means = next(l for l in out.splitlines() if l.startswith('mean (without scratch)')).split()[-3:]
    assert means == ['0.85', '0.8', '0.75'], out   # scratch, the untrained baseline, is left out of the mean
    assert 'before 1' in out and 'after 2' in out, out

def test_notebook_times(bench):
    out = 'Success.\n07_compare.ipynb: 1234 secs\nok   cpu   07_compare.ipynb            192 s   (192 s in)\n80 passed in 400.17s\nnbs/a.ipynb'
    assert bench.notebook_times(out) == ['07_compare.ipynb: 1234 secs', 'ok   cpu   07_compare.ipynb            192 s   (192 s in)']
