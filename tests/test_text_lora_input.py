"Bad input to the text and LoRA tools: a clear error before any training."
import pandas as pd, pytest, torch
from torch import nn
from fastai.learner import Learner
from fastai.data.core import DataLoaders
from fttutor.data import drug_reviews
from fttutor.text import text_learner, text_dls, class_weights, encoder_layers
from fttutor.models import hf_encoder
from fttutor.lora import lora_targets, save_lora, load_lora, merge_lora

@pytest.fixture(scope='module')
def reviews(): return drug_reviews()

def _learner(model):
    "A Learner around `model` on a tiny tensor dataset (no training happens in these tests)"
    ds = torch.utils.data.TensorDataset(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))
    return Learner(DataLoaders.from_dsets(ds, ds, bs=2), model, loss_func=nn.CrossEntropyLoss())

def test_text_learner_checks_columns(reviews, tmp_path):
    pd.DataFrame(dict(review=['good', 'bad'], rating=[1, 0])).to_csv(tmp_path/'t.csv', index=False)
    with pytest.raises(ValueError, match='Missing column'): text_learner(tmp_path/'t.csv', reviews[1])
    with pytest.raises(FileNotFoundError, match='No CSV file'): text_learner(tmp_path/'none.csv', reviews[1])

def test_text_learner_rejects_unknown_loss(reviews):
    with pytest.raises(ValueError, match="'plain' or 'weighted'"): text_learner(*reviews, loss='focal')

def test_validation_label_unseen_in_training(reviews):
    tr, te = reviews
    _, tok = hf_encoder()
    with pytest.raises(ValueError, match='not in the training labels: neutral'): text_dls(tr[tr.label != 'neutral'], te, tok)

def test_class_weights_need_every_class():
    with pytest.raises(ValueError, match='no training examples'): class_weights([0, 2, 2])

def test_encoder_without_layer_stack():
    with pytest.raises(ValueError, match='No stack of layers'): encoder_layers(nn.Sequential(nn.Linear(2, 2)))

def test_lora_needs_a_known_model_shape():
    learn = _learner(nn.Linear(2, 2))
    with pytest.raises(TypeError, match='TextClassifier or a \\(body, head\\) Sequential'): learn.to_lora()
    with pytest.raises(ValueError, match="'auto' or 'all'"): lora_targets(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)), 'most')

def test_lora_tools_refuse_a_plain_learner(tmp_path):
    learn = _learner(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)))
    with pytest.raises(ValueError, match='no LoRA adapters'): save_lora(learn, tmp_path)
    with pytest.raises(ValueError, match='no LoRA adapters'): merge_lora(learn)
    with pytest.raises(FileNotFoundError, match='adapter_config.json'): load_lora(learn, tmp_path)
