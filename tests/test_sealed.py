"Test is sealed: two comparisons that differ only in the test labels make the same choices and differ only in the test scores they report."
import json, shutil
import numpy as np, pandas as pd
from test_compare_cli import _run_here, _folder

def _shuffle_test(data, seed=0):
    "Permute the contents of the test images among the test files: the same files, other labels"
    files = sorted((data/'test').glob('*/*.png'))
    blobs = [f.read_bytes() for f in files]
    for f, i in zip(files, np.random.default_rng(seed).permutation(len(files))): f.write_bytes(blobs[i])

def test_shuffled_test_labels_change_no_choice(tmp_path):
    a = tmp_path/'a'
    classes = ('red', 'green', 'blue')
    _folder(a/'train', classes, n=10); _folder(a/'valid', classes, n=7); _folder(a/'test', classes, n=7)
    b = tmp_path/'b'; shutil.copytree(a, b); _shuffle_test(b)
    args = ['--strategies', 'linear_probe,head_only,fine_tune', '--seeds', '2', '--lrs', '1e-3,3e-3', '--max-epochs', '2', '--patience', '1']
    runs = {k: _run_here('--data', str(k), *args, '--out', str(tmp_path/f'out-{k.name}'), FTTUTOR_PROFILE='mini') for k in (a, b)}
    for r in runs.values(): assert r.returncode == 0, r.stderr[-3000:]
    res = {k.name: pd.read_csv(tmp_path/f'out-{k.name}'/'results.csv').set_index(['strategy', 'seed']) for k in (a, b)}
    chosen = ['lr', 'lr_grid', 'valid_accuracy', 'valid_macro_f1', 'optimizer_steps', 'best_step', 'train_accuracy']
    pd.testing.assert_frame_equal(res['a'][chosen], res['b'][chosen])   # every rate, budget and validation score: identical
    assert (res['a'].test_accuracy != res['b'].test_accuracy).any(), res['a'].test_accuracy   # the test scores did move
    dec = {k.name: json.loads((tmp_path/f'out-{k.name}'/'decision.json').read_text()) for k in (a, b)}
    for k in ('recommended', 'chosen_on', 'best_on_validation', 'candidates', 'seeds', 'budget'): assert dec['a'][k] == dec['b'][k], k
    assert dec['a']['chosen_on'] == 'valid_accuracy' and dec['a']['recommended'] in ('linear_probe', 'head_only', 'fine_tune')
    for s in ('linear_probe', 'head_only', 'fine_tune'):
        assert dec['a']['strategies'][s]['valid_accuracy_mean'] == dec['b']['strategies'][s]['valid_accuracy_mean']
    assert 'Recommended, chosen on validation' in runs[a].stdout
