"The tune extra both ways: without it, one clear line (library, CLI) and Lesson 9's `#| tune` cells skipped; with it, `fttutor-compare --tune` works."
import os, subprocess, sys
from pathlib import Path
import pytest
from test_compare_cli import _folder   # a tiny two-class folder of images

ROOT = Path(__file__).resolve().parent.parent

def _without_optuna(tmp_path) -> dict:
    "An environment where `import optuna` fails, as on a machine without the extra"
    (tmp_path/'optuna.py').write_text("raise ImportError('hidden for this test', name='optuna')\n")
    return {**os.environ, 'PYTHONPATH': os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]), 'OMP_NUM_THREADS': '1',
            'FTTUTOR_OFFLINE': '1'}

def _compare(*args, env=None):
    return subprocess.run([sys.executable, '-c', 'from fttutor.cli import main; main()', *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=env or {**os.environ, 'OMP_NUM_THREADS': '1', 'FTTUTOR_OFFLINE': '1'})

def test_library_without_the_extra_names_it(tmp_path):
    r = subprocess.run([sys.executable, '-c', "from fttutor.tuning import tune_strategy; tune_strategy('head_only', n_trials=1)"],
                       capture_output=True, text=True, env=_without_optuna(tmp_path), timeout=300)
    assert r.returncode == 1 and "pip install 'fttutor[tune] @ " in r.stderr and 'optuna is not installed' in r.stderr, r.stderr

def test_cli_without_the_extra_names_it(tmp_path):
    r = _compare('--data', _folder(tmp_path/'imgs'), '--tune', '2', '--out', tmp_path/'out', env=_without_optuna(tmp_path))
    assert r.returncode == 2, (r.returncode, r.stderr)
    last = r.stderr.strip().splitlines()[-1]
    assert "pip install 'fttutor[tune] @ " in last and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'out'/'results.csv').exists()   # refused before any training

def test_lesson_skips_its_tune_cells_without_the_extra(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'test_lessons.py'), '09_tuning', '--profiles', 'cpu'], capture_output=True,
                       text=True, env=_without_optuna(tmp_path), timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skipping the `#| tune` cells: the tune extra is not installed (optuna)" in r.stdout, r.stdout

@pytest.mark.parametrize('args,says', [
    (('--strategies', 'linear_probe', '--tune', '2'), 'linear_probe has no search space'),
    (('--tune', '-1'), 'tune is a number of trials per strategy, at least 0, not -1'),
])
def test_cli_bad_tuning_input_is_one_line(tmp_path, args, says):
    pytest.importorskip('optuna')
    r = _compare('--data', _folder(tmp_path/'imgs'), '--out', tmp_path/'out', *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert says in r.stderr.strip().splitlines()[-1] and 'Traceback' not in r.stderr, r.stderr

def test_cli_tunes_then_compares(tmp_path):
    pytest.importorskip('optuna')
    r = _compare('--data', _folder(tmp_path/'imgs'), '--strategies', 'linear_probe,lora', '--tune', '2', '--steps', '2', '--size', '32',
                 '--out', tmp_path/'out')
    assert r.returncode == 0, r.stderr
    import pandas as pd
    res = pd.read_csv(tmp_path/'out'/'results.csv', index_col=0)
    assert list(res.index) == ['linear_probe', 'lora'], res
    assert 'tuned (r=' in res.label['lora'] and 'tuned' not in res.label['linear_probe'], res.label
