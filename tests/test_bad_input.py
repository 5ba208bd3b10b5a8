"Bad input gets a clear error (or, for corrupt images, a warning and a skip), never a crash mid-epoch."

import numpy as np, pytest
from PIL import Image
from fttutor.core import lesson_profile
from fttutor.data import image_dls

def _imgs(folder, n, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n): Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(folder/f'{i}.png')

def test_corrupt_images_are_skipped_and_training_data_iterates(tmp_folder):
    _imgs(tmp_folder/'cats', 6); _imgs(tmp_folder/'dogs', 6, seed=1)
    (tmp_folder/'dogs'/'truncated.png').write_bytes((tmp_folder/'dogs'/'0.png').read_bytes()[:60])
    (tmp_folder/'cats'/'text.jpg').write_text('not a jpeg')
    with pytest.warns(UserWarning, match='Skipped 2 unreadable'):
        dls = image_dls(tmp_folder, profile=lesson_profile('cpu'), size=16, bs=4, valid_pct=0.25)
    test = len(dls.test.dataset) if dls.test is not None else 0
    assert len(dls.train_ds) + len(dls.valid_ds) + test == 12
    n = sum(xb.shape[0] for dl in dls.loaders for xb, yb in dl)
    assert n >= 12 - 4 + 1  # train drops its last partial batch; every batch decoded without an error

def test_train_valid_folders(tmp_folder):
    for split, n in (('train', 5), ('valid', 2)):
        for c in ('a', 'b'): _imgs(tmp_folder/split/c, n)
    dls = image_dls(tmp_folder, profile=lesson_profile('cpu'), size=16, bs=2, test_pct=0)
    assert (len(dls.train_ds), len(dls.valid_ds), dls.test) == (10, 4, None)
    dls = image_dls(tmp_folder, profile=lesson_profile('cpu'), size=16, bs=2, test_pct=0.3)   # a test set carved from train/
    assert len(dls.train_ds) + len(dls.test.dataset) == 10 and len(dls.valid_ds) == 4
    assert 'carved at random from train/' in dls.split_note

