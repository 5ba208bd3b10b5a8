"The feature cache never returns stale or damaged features: a changed image, other transforms or a damaged file mean recomputing."
import os, time
import numpy as np, pytest, torch
from PIL import Image
from fttutor.core import lesson_profile
from fttutor.data import image_dls
from fttutor.models import transfer_learner
from fttutor.features import extract_features

@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    for c in ('a', 'b'):
        (tmp_path/'imgs'/c).mkdir(parents=True)
        for i in range(6): Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(tmp_path/'imgs'/c/f'{i}.png')
    return tmp_path

def _learn(folder, size=32):
    dls = image_dls(folder/'imgs', profile=lesson_profile('cpu'), size=size, bs=4, valid_pct=0.25, num_workers=0)
    return transfer_learner(dls, fp16=False)

def test_cache_hit_then_invalidation(folder):
    cache = folder/'cache'
    learn = _learn(folder)
    first = extract_features(learn, learn.dls.train, cache=cache, progress=False)
    again = extract_features(learn, learn.dls.train, cache=cache, progress=False)
    assert not first.from_cache and again.from_cache and torch.equal(first.feats, again.feats)
    # an edited image changes the key
    f = learn.dls.train.items[0]
    Image.fromarray(np.zeros((16, 16, 3), dtype=np.uint8)).save(f)
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    edited = extract_features(learn, learn.dls.train, cache=cache, progress=False)
    assert not edited.from_cache and edited.key != first.key
    # other transforms (image size) change the key
    other = _learn(folder, size=48)
    assert extract_features(other, other.dls.train, cache=cache, progress=False).key != edited.key
    # other weights change the key
    with torch.no_grad(): next(learn.model[0].parameters()).add_(1.)
    assert extract_features(learn, learn.dls.train, cache=cache, progress=False).key != edited.key
