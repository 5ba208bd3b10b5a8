"Offline guarantees: online models and datasets fail at once with a message naming the offline alternative; offline ones work with no network."
import os, shutil, socket, subprocess, sys, time
import pytest
from fttutor.core import OfflineError, is_online, require_online
from fttutor.models import pretrained_model, transfer_learner, text_encoder, hf_encoder, check_arch_available
from fttutor.data import image_dls, text_dataset
from fttutor.text import text_learner

def _fails_fast(fn, contains):
    t0 = time.perf_counter()
    with pytest.raises(OfflineError) as e: fn()
    assert contains in str(e.value)
    assert time.perf_counter() - t0 < 30, "an offline failure must come at once, not after a network timeout"

def test_network_is_blocked():
    with pytest.raises(OSError, match='blocked'): socket.create_connection(('93.184.216.34', 80), timeout=5)
    assert not is_online('huggingface.co')

@pytest.mark.parametrize('arch', ['resnet34', 'resnet50', 'convnext_tiny', 'hf-hub:timm/resnet18.a1_in1k'])
def test_online_vision_archs_fail_fast(arch):
    _fails_fast(lambda: pretrained_model(arch), "Offline, use arch='tf_efficientnet_lite0'")

def test_transfer_learner_refuses_before_building():
    # the check runs before any DataLoaders are touched, so None is never used
    _fails_fast(lambda: transfer_learner(None, 'resnet34'), "tf_efficientnet_lite0")

def test_online_text_model_fails_fast():
    _fails_fast(lambda: text_encoder('bert-base-uncased'), "text_encoder('all-MiniLM-L6-v2')")

def test_online_text_learner_fails_fast():
    "A BERT learner offline: refused before any data is tokenised or weights are looked for"
    _fails_fast(lambda: hf_encoder('bert-base-uncased'), "hf_encoder('all-MiniLM-L6-v2')")
    tr = text_dataset('drugs')[0]
    _fails_fast(lambda: text_learner(tr, tr, text_model='bert-base-uncased'), "all-MiniLM-L6-v2")

def test_online_datasets_fail_fast():
    _fails_fast(lambda: image_dls('pets'), "image_dls('photos')")
    _fails_fast(lambda: text_dataset('imdb'), "Offline, use")

def test_unknown_arch_is_a_value_error():
    with pytest.raises(ValueError, match='Unknown arch'): check_arch_available('resnet9000')

def test_offline_models_need_no_network():
    assert pretrained_model('tf_efficientnet_lite0').pretrained_cfg['mean'] == (0.5, 0.5, 0.5)
    assert text_encoder('all-MiniLM-L6-v2', device='cpu').encode(['ok']).shape == (1, 384)

def _can_unshare():
    if not shutil.which('unshare') or os.geteuid() != 0: return False
    return subprocess.run(['unshare', '-n', 'true'], capture_output=True).returncode == 0

@pytest.mark.skipif(not _can_unshare(), reason='needs root and unshare to drop the network namespace')
def test_offline_path_without_any_network():
    "The plainest proof: a process with no network interface at all loads the offline weights and data"
    code = ("from fttutor.models import pretrained_model, text_encoder, imagenet_top_k\n"
            "from fttutor.data import drug_reviews, digits_folder\n"
            "from fttutor.check import sample_photos\n"
            "assert 985 in imagenet_top_k(pretrained_model(), sample_photos()['daisy']).imagenet_class.tolist()\n"
            "assert text_encoder(device='cpu').encode(['x']).shape == (1, 384)\n"
            "assert len(drug_reviews()[0]) == 600 and digits_folder().exists()\n"
            "print('offline ok')")
    env = {k: v for k, v in os.environ.items() if k != 'FTTUTOR_OFFLINE'}
    r = subprocess.run(['unshare', '-n', sys.executable, '-c', code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'offline ok' in r.stdout
