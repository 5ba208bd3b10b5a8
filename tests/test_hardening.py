"""Hardening of the data path and the feature cache, as an unkind but realistic user would try them (issue 11, items 1-12, 15).

Each test names its item. The CLI cases (items 11, 13-15) are in `test_compare_cli.py`."""
import json, os, socket, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from PIL import Image
from fttutor.core import lesson_profile
from fttutor.data import image_dls, image_items, text_df
from fttutor.models import transfer_learner
from fttutor.features import extract_features

P = lesson_profile('cpu')

def _imgs(folder:Path, n:int, seed:int=0, size:int=16):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n): Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder/f'{i}.png')

@pytest.fixture
def folder(tmp_path):
    for i, c in enumerate(('a', 'b')): _imgs(tmp_path/'imgs'/c, 10, seed=i)
    return tmp_path/'imgs'

def _learn(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the tiny validation sets here are warned about; that is tested on its own
        return transfer_learner(image_dls(path, profile=P, size=32, bs=4, valid_pct=0.5, num_workers=0, **kw), fp16=False)

def _interrupted(learn, dl, cache, after:int):
    "Extract into `cache`, stopping with a KeyboardInterrupt before batch `after`"
    calls = []
    def _boom(mod, inp):
        calls.append(1)
        if len(calls) > after: raise KeyboardInterrupt('simulated interruption')
    h = learn.model[0].register_forward_pre_hook(_boom)
    try: extract_features(learn, dl, cache=cache, progress=False)
    except KeyboardInterrupt: pass
    finally: h.remove()

class _Evil:
    "A pickled payload: unpickling it would create the file `marker`"
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (Path.touch, (Path(self.marker),))

def test_1_cache_refuses_pickled_code(folder, tmp_path):
    learn, cache = _learn(folder), tmp_path/'cache'
    good = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert type(good.feats) is torch.Tensor and type(good.labels) is torch.Tensor   # plain tensors, no fastai subclasses
    entry, marker = cache/good.key, tmp_path/'code-ran'
    torch.save({'feats': good.feats, 'labels': good.labels, 'evil': _Evil(marker)}, entry/'features.pt')
    import hashlib
    sha = hashlib.sha256((entry/'features.pt').read_bytes()).hexdigest()
    (entry/'meta.json').write_text(json.dumps(dict(sha256=sha)))   # a checksum beside the file proves nothing
    with pytest.warns(UserWarning, match='pickled Python objects'):
        res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert not marker.exists(), 'the cache file ran code'
    assert not res.from_cache and torch.allclose(res.feats, good.feats, atol=1e-5)

def test_2_offline_guard_covers_connect_ex_udp_and_dns():
    "conftest.py turns the guard on for every test"
    s = socket.socket()
    try: assert s.connect_ex(('93.184.216.34', 80)) != 0
    finally: s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(OSError, match='blocked'): u.sendto(b'x', ('8.8.8.8', 53))
    finally: u.close()
    with pytest.raises(OSError, match='blocked'): socket.getaddrinfo('pypi.org', 443)
    assert socket.getaddrinfo('localhost', 80)   # loopback still resolves
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
    c = socket.socket()
    try: assert c.connect_ex(srv.getsockname()) == 0   # and loopback still connects
    finally: c.close(); srv.close()

def test_3_corrupt_batch_file_is_recomputed(folder, tmp_path):
    learn, cache = _learn(folder), tmp_path/'cache'
    ref = extract_features(learn, learn.dls.valid, cache=False, progress=False)
    _interrupted(learn, learn.dls.valid, cache, after=1)
    (entry,) = cache.iterdir()
    fn = entry/'batch_00000.pt'
    s = torch.load(fn, weights_only=True); s['feats'] = s['feats'] * 1e25; torch.save(s, fn)   # loads fine, values wrong
    res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert torch.allclose(res.feats, ref.feats, atol=1e-5), (res.feats - ref.feats).abs().max()
    again = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert again.from_cache and torch.allclose(again.feats, ref.feats, atol=1e-5)

_TWIN = """
import sys, warnings, torch
warnings.simplefilter('ignore')
from fttutor.core import lesson_profile
from fttutor.data import image_dls
from fttutor.models import transfer_learner
from fttutor.features import extract_features
dls = image_dls(sys.argv[1], profile=lesson_profile('cpu'), size=32, bs=4, valid_pct=0.5, num_workers=0)
learn = transfer_learner(dls, fp16=False)
import time; from pathlib import Path
ready, n = Path(sys.argv[4]), int(sys.argv[5])   # start together, the same batch at the same moment: wait until all n are ready
(ready/sys.argv[3].replace('/', '_')).touch()
t0 = time.time()
while len(list(ready.iterdir())) < n and time.time() - t0 < 300: time.sleep(0.05)
res = extract_features(learn, learn.dls.train, cache=sys.argv[2], bs=1, progress=False)
torch.save(res.feats, sys.argv[3])
"""

def test_4_processes_share_one_cache(tmp_path):
    "Three processes fill one cache at once, batch by batch (the races: a shared temporary name, cleaning up the same files)"
    folder = tmp_path/'imgs'
    for i, c in enumerate(('a', 'b')): _imgs(folder/c, 20, seed=i)
    learn, cache, n = _learn(folder), tmp_path/'cache', 3
    ref = extract_features(learn, learn.dls.train, cache=False, bs=1, progress=False)
    env, ready = {**os.environ, 'OMP_NUM_THREADS': '1'}, tmp_path/'ready'
    ready.mkdir()
    procs = [subprocess.Popen([sys.executable, '-c', _TWIN, str(folder), str(cache), str(tmp_path/f'out{i}.pt'), str(ready), str(n)], env=env,
                              stderr=subprocess.PIPE, text=True) for i in range(n)]
    for p in procs:
        err = p.communicate(timeout=600)[1]
        assert p.returncode == 0, err[-3000:]
    for i in range(n): assert torch.allclose(torch.load(tmp_path/f'out{i}.pt', weights_only=False), ref.feats, atol=1e-5)
    (entry,) = cache.iterdir()
    assert sorted(f.name for f in entry.iterdir()) == ['features.pt']   # no batch or temporary file left

def test_4_the_races_made_certain(folder, tmp_path, monkeypatch):
    "The two races, forced: another process's temporary file under the same name, and a batch file it removed before we could"
    learn, cache = _learn(folder), tmp_path/'cache'
    ref = extract_features(learn, learn.dls.valid, cache=False, progress=False)
    _interrupted(learn, learn.dls.valid, cache, after=1)
    (entry,) = cache.iterdir()
    for name in ('batch_00001.pt.tmp', 'features.pt.tmp'): (entry/name).mkdir()   # names a shared temporary file would take
    real_glob = Path.glob
    def _glob(self, pattern):   # the other process lists the batch files, then removes one before we do
        found = list(real_glob(self, pattern))
        if found: found[0].unlink()
        return iter(found)
    monkeypatch.setattr(Path, 'glob', _glob)
    res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert torch.allclose(res.feats, ref.feats, atol=1e-5)

def test_5_a_folder_where_a_cache_file_should_be(folder, tmp_path):
    learn, cache = _learn(folder), tmp_path/'cache'
    good = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    fn = cache/good.key/'features.pt'
    fn.unlink(); (fn/'inside').mkdir(parents=True)
    with pytest.warns(UserWarning, match='is corrupt'):
        res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert torch.allclose(res.feats, good.feats, atol=1e-5) and fn.is_file()
    fn.unlink(); (cache/good.key/'batch_00000.pt').mkdir()   # and a folder in a batch file's place
    res = extract_features(learn, learn.dls.valid, cache=cache, progress=False)
    assert torch.allclose(res.feats, good.feats, atol=1e-5)

def test_6_text_training_with_fewer_rows_than_the_batch(tmp_path):
    from fttutor.text import text_learner
    from fttutor.freezing import snapshot, changed_tensors
    tr = pd.DataFrame(dict(text=['great', 'awful', 'fine', 'bad', 'good', 'terrible'], label=['pos', 'neg'] * 3))
    learn = text_learner(tr, tr, bs=32, max_len=16)
    assert len(learn.dls.train) >= 1
    learn.freeze(); before = snapshot(learn.model)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-2)
    assert 'head.1.weight' in changed_tensors(before, learn.model)
    assert np.isfinite(learn.recorder.losses[-1].item())

def test_6_one_row_is_refused():
    from fttutor.text import text_dls
    from fttutor.models import hf_encoder
    one = pd.DataFrame(dict(text=['great'], label=['pos']))
    with pytest.raises(ValueError, match='at least 2 training texts'): text_dls(one, one, hf_encoder()[1])

def test_7_nan_labels_are_dropped_and_counted():
    df = pd.DataFrame(dict(text=['a', 'b', 'c', 'd'], label=['x', np.nan, 'y', None]))
    with pytest.warns(UserWarning, match=r'Dropped 2 row\(s\) with no label'): out = text_df(df)
    assert list(out.label) == ['x', 'y']

def test_8_nested_folders_are_named(tmp_path):
    _imgs(tmp_path/'a', 4); _imgs(tmp_path/'a'/'extra', 3); _imgs(tmp_path/'b'/'deep', 4)
    with pytest.raises(ValueError, match=r"b/deep.*directly inside"): image_items(tmp_path)
    _imgs(tmp_path/'b', 4)
    with pytest.warns(UserWarning, match=r"Ignored 7 image\(s\) in sub-folders.*a/extra"): df = image_items(tmp_path)
    assert len(df) == 8

def test_9_16_bit_pngs_keep_their_grey(tmp_path):
    for c, v in (('mid', 32768), ('dark', 8192)):
        (tmp_path/c).mkdir()
        for i in range(6): Image.fromarray(np.full((20, 20), v, dtype=np.uint16)).save(tmp_path/c/f'{i}.png')
    assert Image.open(tmp_path/'mid'/'0.png').mode.startswith('I;16')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        dls = image_dls(tmp_path, profile=P, size=16, bs=4, valid_pct=0.5, num_workers=0)
    x, y = dls.valid.one_batch()
    for xi, yi in zip(x, y):
        want = {'mid': 32768, 'dark': 8192}[dls.vocab[yi]] / 65535
        assert abs(xi.mean().item() - want) < 0.01, (dls.vocab[yi], xi.mean().item(), want)

def test_10_small_or_incomplete_validation_set_is_warned(tmp_path):
    for c in ('a', 'b'): _imgs(tmp_path/'train'/c, 6)
    _imgs(tmp_path/'valid'/'a', 1)
    (tmp_path/'valid'/'b').mkdir()
    _imgs(tmp_path/'valid'/'b', 0)
    with pytest.raises(ValueError, match='no readable images'): image_dls(tmp_path, profile=P, size=16)
    (tmp_path/'valid'/'b').rmdir()
    with pytest.warns(UserWarning) as w: image_dls(tmp_path, profile=P, size=16)
    msgs = ' '.join(str(o.message) for o in w)
    assert 'has no images of class(es) b' in msgs and 'only 1 image' in msgs

def test_12_file_names_that_are_not_utf8(tmp_path):
    for c in ('a', 'b'): _imgs(tmp_path/c, 6)
    bad = os.fsdecode(b'caf\xe9.png')   # a Latin-1 name: not valid UTF-8
    os.rename(tmp_path/'a'/'0.png', tmp_path/'a'/bad)
    learn = _learn(tmp_path)
    items = list(learn.dls.train.items) + list(learn.dls.valid.items)
    assert any(p.name == bad for p in items)
    for cache in (False, tmp_path/'cache'):
        for dl in (learn.dls.train, learn.dls.valid):
            f = extract_features(learn, dl, cache=cache, progress=False)
            assert f.feats.shape[0] == len(dl.dataset)

def test_14_full_disk_leaves_no_partial_file(tmp_path):
    from fttutor.core import save_atomic
    if os.geteuid() != 0: pytest.skip('mounting a small tmpfs needs root')
    mnt = tmp_path/'small'; mnt.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(mnt)], capture_output=True).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        with pytest.raises(OSError, match='No space left') as e: save_atomic(torch.zeros(100_000), mnt/'big.pt')
        assert e.value.filename == str(mnt/'big.pt')
        assert list(mnt.iterdir()) == []
    finally: subprocess.run(['umount', str(mnt)])

def test_15_csv_encodings(tmp_path):
    df = pd.DataFrame(dict(text=['très bien', 'mauvais'], label=['pos', 'neg']))
    df.to_csv(tmp_path/'u16.csv', index=False, encoding='utf-16')
    assert list(text_df(tmp_path/'u16.csv').text) == ['très bien', 'mauvais']
    df.to_csv(tmp_path/'latin.csv', index=False, encoding='latin-1')
    with pytest.raises(ValueError, match=r"latin\.csv is not UTF-8.*encoding="): text_df(tmp_path/'latin.csv')
    assert list(text_df(tmp_path/'latin.csv', encoding='latin-1').text) == ['très bien', 'mauvais']

def test_15_load_lora_on_a_folder_without_a_peft_config(tmp_path):
    from torch import nn
    from fastai.learner import Learner
    from fastai.data.core import DataLoaders
    from fttutor.lora import load_lora
    ds = torch.utils.data.TensorDataset(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))
    learn = Learner(DataLoaders.from_dsets(ds, ds, bs=2), nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)), loss_func=nn.CrossEntropyLoss())
    (tmp_path/'adapter_config.json').write_text('{"r": 8}')
    with pytest.raises(ValueError, match='not a peft adapter config'): load_lora(learn, tmp_path)
    (tmp_path/'adapter_config.json').write_text('{not json')
    with pytest.raises(ValueError, match='not a peft adapter config'): load_lora(learn, tmp_path)

def test_import_changes_no_global_state():
    "Importing fttutor (everything a lesson imports) leaves the network functions, warning filters and torch's threads as they were"
    code = """import socket, warnings, torch, fastai.vision.all, accelerate, peft, transformers   # third-party imports set their own filters
before = (socket.socket.connect, socket.getaddrinfo, list(warnings.filters), torch.get_num_threads())
import fttutor.all
after = (socket.socket.connect, socket.getaddrinfo, list(warnings.filters), torch.get_num_threads())
assert before[:2] == after[:2], 'network functions replaced on import'
assert before[2] == after[2], [f for f in after[2] if f not in before[2]]
assert before[3] == after[3], (before[3], after[3])
from fttutor.core import offline_mode
assert offline_mode() and socket.socket.connect is not before[0]   # the explicit call blocks
print('ok')"""
    r = subprocess.run([sys.executable, '-c', code], env={**os.environ, 'FTTUTOR_OFFLINE': '1'}, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stderr[-2000:]
