"The `fttutor-compare` command: exit codes, clear errors without tracebacks, and its output files on a new folder of images."
import os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd
from PIL import Image

def _run(*args, cwd=None):
    exe = Path(sys.executable).parent/'fttutor-compare'
    if not exe.exists(): exe = shutil.which('fttutor-compare')
    assert exe, 'the fttutor-compare console script is not installed'
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=900, cwd=cwd,
                          env={**os.environ, 'FTTUTOR_OFFLINE': '1'})

def _folder(root, classes=('red', 'blue'), n=8):
    rng = np.random.default_rng(0)
    for i, c in enumerate(classes):
        (root/c).mkdir(parents=True)
        for j in range(n):
            a = rng.integers(0, 60, (24, 24, 3), dtype=np.uint8); a[..., i % 3] += 150
            Image.fromarray(a).save(root/c/f'{j}.png')
    return root

def _clean_error(r, *contains):
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'Traceback' not in r.stderr
    for c in contains: assert c in r.stderr, r.stderr

def test_missing_path(tmp_path):
    _clean_error(_run('--data', str(tmp_path/'nope')), 'No image folder at')

def test_one_class(tmp_path):
    _clean_error(_run('--data', str(_folder(tmp_path/'imgs', classes=('only',)))), 'need at least two')

def test_unknown_strategy(tmp_path):
    _clean_error(_run('--data', str(_folder(tmp_path/'imgs')), '--strategies', 'lora_xl'), 'Unknown strategy lora_xl')

def test_new_folder_with_a_corrupt_file(tmp_path):
    data = _folder(tmp_path/'imgs')
    (data/'red'/'broken.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    r = _run('--data', str(data), '--strategies', 'linear_probe,head_only', '--epochs', '1', '--out', str(tmp_path/'out'))
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert 'Skipped 1 unreadable' in r.stderr
    df = pd.read_csv(tmp_path/'out'/'results.csv', index_col=0)
    assert list(df.index) == ['linear probe (cached features)', 'head only']
    assert {'accuracy', 'error_rate', 'macro_f1', 'extract_s', 'train_s', 'seconds', 'trainable', 'params', 'trainable_pct', 'train_state_mb', 'peak_ram_mb', 'epochs'} <= set(df.columns)
    assert (tmp_path/'out'/'comparison.png').stat().st_size > 1000
