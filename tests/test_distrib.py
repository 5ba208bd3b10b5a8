"Data-parallel training and sharded feature extraction on 2 CPU processes (gloo); Lesson 4's `#| long` cell compares two training processes' accuracy with one"
import torch
import pytest
from fttutor.distrib import launch

def test_two_processes_train():
    "Two training processes through fastai's `distrib_ctx` (gloo on CPU) split the global batch and take the same steps (tools/floors.sh runs this at the oldest versions)"
    two = launch(2, strategy='head_only', dataset='digits', steps=4, size=32)
    assert (two['processes'], two['steps'], two['global_bs']) == (2, 4, 32), two
    assert two['valid_accuracy'] > 0.2, two   # and they learn: digits' chance is 0.1 (0.56-0.59 over three seeds here)

def test_sharded_features_write_the_single_process_cache(tmp_path):
    a, b = tmp_path/'one', tmp_path/'two'
    one = launch(1, extract=True, dataset='digits', size=32, cache=a)
    two = launch(2, extract=True, dataset='digits', size=32, cache=b)
    assert one['key'] == two['key'] and one['n_items'] == two['n_items'], (one, two)
    assert two['n_computed'] < one['n_computed'], (one, two)   # rank 0 computed only its share of the batches
    assert sorted(p.name for p in (b/two['key']).iterdir()) == ['features.pt']
    fa, fb = (torch.load(d/one['key']/'features.pt', weights_only=True) for d in (a, b))
    torch.testing.assert_close(fa['feats'], fb['feats'], atol=1e-5, rtol=1e-5)
    assert torch.equal(fa['labels'], fb['labels'])

def test_bad_batch_split_says_so():
    with pytest.raises(RuntimeError, match='must split evenly over 2 processes'): launch(2, strategy='head_only', bs=33, steps=1, size=32)
