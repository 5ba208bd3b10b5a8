"Data-parallel training and sharded feature extraction on 2 CPU processes (gloo), against one process"
import torch
import pytest
from fttutor.distrib import launch

def test_two_processes_match_one():
    kw = dict(strategy='head_only', dataset='digits', steps=30, img_size=32, samples_per_class=0)
    one, two = launch(1, **kw), launch(2, **kw)
    assert (one['processes'], two['processes']) == (1, 2)
    assert one['steps'] == two['steps'] == 30 and one['global_bs'] == two['global_bs'] == 32
    assert abs(one['valid_accuracy'] - two['valid_accuracy']) <= 0.03, (one, two)   # the stated tolerance: 3 points
    assert two['valid_accuracy'] > 0.5, two   # and both learned something (chance: 0.1)

def test_sharded_features_write_the_single_process_cache(tmp_path):
    a, b = tmp_path/'one', tmp_path/'two'
    one = launch(1, extract=True, dataset='digits', img_size=32, cache=a)
    two = launch(2, extract=True, dataset='digits', img_size=32, cache=b)
    assert one['key'] == two['key'] and one['n_items'] == two['n_items'], (one, two)
    assert two['n_computed'] < one['n_computed'], (one, two)   # rank 0 computed only its share of the batches
    assert sorted(p.name for p in (b/two['key']).iterdir()) == ['features.pt']
    fa, fb = (torch.load(d/one['key']/'features.pt', weights_only=True) for d in (a, b))
    torch.testing.assert_close(fa['feats'], fb['feats'], atol=1e-5, rtol=1e-5)
    assert torch.equal(fa['labels'], fb['labels'])

def test_bad_batch_split_says_so():
    with pytest.raises(RuntimeError, match='must split evenly over 2 processes'): launch(2, strategy='head_only', bs=33, steps=1, img_size=32)
