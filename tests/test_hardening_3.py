"""Hardening, third round (issue 32): each test is one case of the adversarial pass, numbered as in the issue; each failed before its fix.

Most run `fttutor-compare` in this process on a tiny folder of images with the linear probe alone (a few seconds), so that what is
checked is the command's handling of files, folders and options, not training."""
import json, os, socket, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest
from test_compare_cli import _folder, _run_here, _clean_error

PROBE = ('--strategies', 'linear_probe', '--profile', 'cpu')

def _probe_run(data, out, *more):
    r = _run_here('--data', str(data), *PROBE, '--out', str(out), *more)
    assert r.returncode == 0, r.stdout + r.stderr
    return r

# --- 3: offline mode lets no name through that merely starts like a loopback address
def test_3_only_literal_loopback_is_local():
    from fttutor.core import _is_local
    assert _is_local('127.0.0.1') and _is_local('127.0.0.2') and _is_local('::1') and _is_local('localhost')
    assert not _is_local('127.0.0.1.nip.io') and not _is_local('127.example.com')
    with pytest.raises(OSError, match='blocked'): socket.getaddrinfo('127.0.0.1.nip.io', 80)   # conftest blocks the network

# --- 5: --resume refuses rows measured on other data
def test_5_resume_after_the_images_changed_is_refused(tmp_path):
    data, out = _folder(tmp_path/'imgs'), tmp_path/'out'
    _probe_run(data, out)
    (data/'red'/'0.png').write_bytes((data/'blue'/'0.png').read_bytes())   # the same names, other pixels
    _clean_error(_run_here('--data', str(data), *PROBE, '--out', str(out), '--resume'), 'come from another run', 'data_fingerprint')

# --- 6: --data is a path, always
def test_6_a_local_folder_named_like_a_bundled_dataset_is_used(tmp_path, monkeypatch):
    import re
    _folder(tmp_path/'faces', classes=('cat', 'dog'))   # 2 classes of 8 images, not the bundled faces
    monkeypatch.chdir(tmp_path)
    r = _probe_run('faces', tmp_path/'out')
    counts = [int(n) for n in re.search(r'Data: (\d+) train, (\d+) validation, (\d+) test images', r.stdout).groups()]
    assert sum(counts) == 16, r.stdout

def test_6_a_missing_path_named_like_a_bundled_dataset_points_to_dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _clean_error(_run_here('--data', 'digits', *PROBE, '--out', str(tmp_path/'out')), 'no file or folder', 'use --dataset digits')

# --- 7: non-finite rates are refused, and a run that diverges is marked, not scored
@pytest.mark.parametrize('lrs', ['nan', 'inf', '1e-3,nan'])
def test_7_non_finite_rates_are_refused(tmp_path, lrs):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs')), '--lrs', lrs, '--out', str(tmp_path/'out')),
                 '(--lrs) must be positive finite numbers')

def test_7_a_diverged_strategy_is_never_the_recommendation():
    from fttutor.compare import decision_guide
    df = pd.DataFrame(dict(seed=0, label='x', test_accuracy=[0.8, np.nan], valid_accuracy=[0.8, np.nan], seconds=[1., 2.],
                           trainable_pct=[1., 2.], optimizer_steps=[np.nan, 4], diverged=[False, True]),
                      index=pd.Index(['linear_probe', 'fine_tune'], name='strategy'))
    guide = decision_guide(df)
    assert guide.startswith('Recommended, chosen on validation: linear_probe') and 'so left out: fine_tune' in guide, guide

# --- 8: the printed split is the one that trains
def test_8_the_split_note_counts_the_sampled_training_images():
    from fttutor.data import image_dls
    dls = image_dls('digits', samples_per_class=3, size=16)
    assert dls.split_note.startswith(f"{len(dls.train_ds)} train (3 per class, of "), dls.split_note
    assert len(dls.train_ds) == 30

# --- 9: a test set of a few images is warned about
def test_9_a_tiny_test_set_is_warned(tmp_path):
    data = tmp_path/'imgs'
    _folder(data/'train'); _folder(data/'valid', n=10); _folder(data/'test', n=1)
    with pytest.warns(UserWarning, match=r'The test set has only 2 image\(s\).*means little'): _probe_run(data, tmp_path/'out')

# --- 10, 18: a damaged results.csv is never taken as finished
def test_10_results_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from fttutor import compare
    fn = tmp_path/'results.csv'
    compare.write_atomic(fn, 'strategy,seed\nlinear_probe,0\n')
    def _killed(self, text, *a, **k): Path.write_bytes(self, text[:len(text) // 2].encode()); raise KeyboardInterrupt
    monkeypatch.setattr(Path, 'write_text', _killed)
    with pytest.raises(KeyboardInterrupt): compare.write_atomic(fn, 'strategy,seed\nlinear_probe,0\nhead_only,0\n')
    monkeypatch.undo()
    assert fn.read_text() == 'strategy,seed\nlinear_probe,0\n'   # the old file, whole: the half-written one was a temporary file

@pytest.mark.parametrize('damage, says', [(lambda d: d.drop(columns='seed'), 'has no seed column'),
                                          (lambda d: d.assign(test_accuracy=np.nan), 'without a seed or a score')])
def test_18_resume_from_a_damaged_table_says_so(tmp_path, damage, says):
    data, out = _folder(tmp_path/'imgs'), tmp_path/'out'
    _probe_run(data, out)
    damage(pd.read_csv(out/'results.csv')).to_csv(out/'results.csv', index=False)
    _clean_error(_run_here('--data', str(data), *PROBE, '--out', str(out), '--resume'), says)

# --- 12, 13, 14: nothing measured is lost
def test_12_resume_with_fewer_strategies_keeps_the_others(tmp_path):
    data, out = _folder(tmp_path/'imgs'), tmp_path/'out'
    args = ('--data', str(data), '--profile', 'cpu', '--steps', '1', '--lrs', '1e-3', '--out', str(out))
    assert _run_here(*args, '--strategies', 'linear_probe,head_only').returncode == 0
    assert _run_here(*args, '--strategies', 'linear_probe', '--resume').returncode == 0
    assert sorted(pd.read_csv(out/'results.csv').strategy) == ['head_only', 'linear_probe']

def test_13_a_second_plain_run_writes_beside_the_first(tmp_path):
    data, out = _folder(tmp_path/'imgs'), tmp_path/'out'
    _probe_run(data, out)
    first = (out/'results.csv').read_text()
    r = _probe_run(data, out)
    assert (out/'results.csv').read_text() == first and (tmp_path/'out-2'/'results.csv').exists()
    assert 'this run writes to' in r.stdout and str(tmp_path/'out-2') in r.stdout, r.stdout

def test_14_a_folder_another_run_is_writing_is_refused(tmp_path):
    import fcntl
    data, out = _folder(tmp_path/'imgs'), tmp_path/'out'
    out.mkdir()
    with open(out/'.fttutor.lock', 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)   # a run in progress holds it
        _clean_error(_run_here('--data', str(data), *PROBE, '--out', str(out)), 'Another comparison is writing to')

# --- 15, 16: clear errors instead of tracebacks
def test_15_a_class_left_without_training_images(tmp_path):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs', classes=[f'c{i}' for i in range(30)], n=2)), *PROBE,
                           '--out', str(tmp_path/'out')), 'have no training images after the split')

def test_16_size_zero(tmp_path):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs')), *PROBE, '--size', '0', '--out', str(tmp_path/'out')),
                 'size (--size) must be at least 1 pixel, not 0')

# --- 17: the environment variables are named when they point at the wrong thing
def test_17_settings_file_that_is_not_one(tmp_path):
    bad = tmp_path/'settings.ini'; bad.write_text('not an ini file\n')
    _clean_error(_run_here('--strategies', 'linear_probe', FTTUTOR_SETTINGS=str(bad)), 'is not a settings file', 'FTTUTOR_SETTINGS')

def test_17_home_that_is_a_file(tmp_path):
    from fttutor.core import fttutor_home
    f = tmp_path/'home'; f.write_text('x')
    old = os.environ.get('FTTUTOR_HOME'); os.environ['FTTUTOR_HOME'] = str(f)
    try:
        with pytest.raises(NotADirectoryError, match='FTTUTOR_HOME='): fttutor_home()
    finally: os.environ['FTTUTOR_HOME'] = old

# --- 11: a profile that would train for no step, and ratings as labels
def test_11_profile_overrides_below_what_can_run():
    from fttutor.core import lesson_profile
    with pytest.raises(ValueError, match='epochs must be at least 1, not -1'): lesson_profile('cpu', epochs=-1)

def test_11_fractional_ratings_as_labels_are_warned():
    from fttutor.data import text_df
    df = pd.DataFrame(dict(text=[f't{i}' for i in range(20)], label=[7.5, 8.25, 9.0, 6.5, 5.25, 3.0, 2.5] + [8.0] * 13))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        text_df(df)
    assert any('7 of 8 classes have a single text' in str(o.message) for o in w), [str(o.message) for o in w]

# --- 20: smaller ones
def test_20_bad_rates_name_the_option(tmp_path):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs')), '--lrs', 'abc', '--out', str(tmp_path/'out')), '--lrs')

def test_20_out_inside_the_data_folder_is_refused_before_anything_is_written(tmp_path):
    data = _folder(tmp_path/'imgs')
    _clean_error(_run_here('--data', str(data), *PROBE, '--out', str(data/'results')), 'is inside the data folder')
    assert not (data/'results').exists()

def test_20_a_probe_only_run_names_only_the_files_it_wrote(tmp_path):
    r = _probe_run(_folder(tmp_path/'imgs'), tmp_path/'out')
    assert 'curves' not in r.stdout.splitlines()[-1] and not (tmp_path/'out'/'curves.png').exists(), r.stdout

# --- 2, 19: adapters load from their folder alone, with clear errors
def _tiny_learner(n_out=2):
    import torch
    from torch import nn
    from fastai.learner import Learner
    from fastai.data.core import DataLoaders
    ds = torch.utils.data.TensorDataset(torch.randn(8, 4), torch.randint(0, n_out, (8,)))
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), nn.Linear(8, n_out))
    return Learner(DataLoaders.from_dsets(ds, ds, bs=4), model, loss_func=nn.CrossEntropyLoss())

@pytest.fixture
def saved_adapters(tmp_path):
    from fttutor.lora import save_lora
    learn = _tiny_learner()
    learn.to_lora(r=2)
    return save_lora(learn, tmp_path/'adapters')

def test_2_adapters_without_weights_are_an_error_not_a_download(saved_adapters):
    from fttutor.lora import load_lora
    for f in saved_adapters.glob('adapter_model.*'): f.unlink()
    with pytest.raises(FileNotFoundError, match='No adapter weights'): load_lora(_tiny_learner(), saved_adapters)

def test_19_load_lora_errors(saved_adapters):
    from fttutor.lora import load_lora
    with pytest.raises(ValueError, match='cannot be put on this learner'): load_lora(_tiny_learner(n_out=3), saved_adapters)   # other classes
    load_lora(_tiny_learner(), saved_adapters)   # the right shape loads
    cfg = saved_adapters/'adapter_config.json'
    cfg.write_text(cfg.read_text().replace('"LORA"', '"NOT_A_METHOD"'))
    with pytest.raises(ValueError, match="unknown peft_type 'NOT_A_METHOD'"): load_lora(_tiny_learner(), saved_adapters)
    cfg.write_text(cfg.read_text().replace('"NOT_A_METHOD"', '"LORA"'))
    (saved_adapters/'adapter_model.safetensors').write_bytes(b'')
    with pytest.raises(ValueError, match='is empty'): load_lora(_tiny_learner(), saved_adapters)

# --- 4: a cache file is bound to the entry it was made for
def test_4_forged_or_moved_cache_files_are_not_served(tmp_path):
    import hashlib, torch
    from test_hardening import _imgs, _learn
    from fttutor.features import extract_features
    from fttutor.cache import _hash_tensors
    for i, c in enumerate(('a', 'b')): _imgs(tmp_path/'imgs'/c, 10, seed=i)
    learn, cache = _learn(tmp_path/'imgs'), tmp_path/'cache'
    good = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    fn = cache/good.key/'features.pt'
    zeros = torch.zeros_like(good.feats)
    h = hashlib.sha256(); _hash_tensors(h, [zeros, good.labels])   # the checksum recomputed for the forged tensors, as the old files had it
    torch.save(dict(feats=zeros, labels=good.labels, sha256=h.hexdigest()), fn)
    with pytest.warns(UserWarning, match='made for another cache entry'):
        res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert not res.from_cache and torch.allclose(res.feats, good.feats, atol=1e-5)
    train = extract_features(learn, learn.dls.train, cache=cache, progress=False)   # another entry, whole and valid
    (cache/train.key/'features.pt').replace(fn)                                     # moved where the validation features belong
    with pytest.warns(UserWarning, match='made for another cache entry'):
        res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert not res.from_cache and torch.allclose(res.feats, good.feats, atol=1e-5)

# --- 19: a layer outside the body
def test_19_extract_features_from_a_head_layer(tmp_path):
    from test_hardening import _imgs, _learn
    from fttutor.features import extract_features
    for i, c in enumerate(('a', 'b')): _imgs(tmp_path/'imgs'/c, 6, seed=i)
    learn = _learn(tmp_path/'imgs')
    with pytest.raises(ValueError, match="'1.2' is not a layer of the body"): extract_features(learn, learn.dls.valid, layer='1.2', cache=False, progress=False)

def test_20_a_full_disk_names_what_was_being_written():
    import errno
    from fttutor.compare import cli_message
    msg = cli_message(OSError(errno.ENOSPC, 'No space left on device'))
    assert 'None' not in msg and 'while writing the results (--out) or the cache (FTTUTOR_HOME)' in msg, msg
