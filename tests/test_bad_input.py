"Bad input gets a clear error (or, for corrupt images, a warning and a skip), never a crash mid-epoch."
import shutil, warnings
import numpy as np, pandas as pd, pytest
from PIL import Image
from fttutor.core import lesson_profile
from fttutor.data import image_dls, image_items, text_df, sample_per_class

def _imgs(folder, n, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n): Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(folder/f'{i}.png')

def test_missing_folder(tmp_folder):
    with pytest.raises(FileNotFoundError, match='No image folder at'): image_dls(tmp_folder/'missing')

def test_file_instead_of_folder(tmp_folder):
    (tmp_folder/'x.txt').write_text('hi')
    with pytest.raises(NotADirectoryError, match='one sub-folder of images per class'): image_items(tmp_folder/'x.txt')

def test_one_class(tmp_folder):
    _imgs(tmp_folder/'cats', 4)
    with pytest.raises(ValueError, match='need at least two'): image_dls(tmp_folder)

def test_class_without_images(tmp_folder):
    _imgs(tmp_folder/'cats', 4); (tmp_folder/'dogs').mkdir()
    with pytest.raises(ValueError, match='no readable images.*dogs'): image_dls(tmp_folder)

def test_unknown_dataset_name():
    with pytest.raises(ValueError, match='Unknown dataset'): image_dls('imagenet')

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

def test_text_csv_errors(tmp_folder):
    (tmp_folder/'empty.csv').write_text('')
    with pytest.raises(ValueError, match='is empty'): text_df(tmp_folder/'empty.csv')
    with pytest.raises(FileNotFoundError, match='No CSV file'): text_df(tmp_folder/'none.csv')
    pd.DataFrame(dict(body=['a', 'b'])).to_csv(tmp_folder/'cols.csv', index=False)
    with pytest.raises(ValueError, match=r'Missing column\(s\) text, label; the data has: body'): text_df(tmp_folder/'cols.csv')
    (tmp_folder/'header.csv').write_text('text,label\n')
    with pytest.raises(ValueError, match='no rows'): text_df(tmp_folder/'header.csv')

def test_sample_per_class_rejects_k0():
    with pytest.raises(ValueError, match='at least 1'): sample_per_class([0, 1], 0)
