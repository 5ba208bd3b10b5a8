"""A 12-layer BERT-shaped encoder (the gpu profile's `bert-base-uncased` shape, random weights built offline from a transformers config)
through the text classifier, its splitter, the freeze report and `to_lora`: counts come from the model in hand, never from MiniLM's 6
layers. Small hidden sizes keep it fast; the layer count, the layer names and the model type are BERT's."""
import torch, pytest
from torch import nn
from fastai.learner import Learner
from fastai.data.core import DataLoaders
from transformers import BertConfig, BertModel
from fttutor.text import TextClassifier, text_splitter, encoder_layers
from fttutor.freezing import freeze_report
from fttutor.lora import lora_targets
import fttutor.lora  # noqa: F401 (registers Learner.to_lora)

N_LAYERS = 12

class _Batch(torch.utils.data.Dataset):
    "Token ids and attention masks, as `text_dls` yields them: `(input_ids, attention_mask, label)`"
    def __len__(self): return 8
    def __getitem__(self, i): return torch.randint(5, 100, (16,)), torch.ones(16, dtype=torch.long), torch.tensor(i % 2)

@pytest.fixture
def learn():
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=128, hidden_size=32, num_hidden_layers=N_LAYERS, num_attention_heads=2, intermediate_size=64)
    model = TextClassifier(BertModel(cfg), n_out=2)
    dls = DataLoaders.from_dsets(_Batch(), _Batch(), bs=4)
    return Learner(dls, model, loss_func=nn.CrossEntropyLoss(), splitter=text_splitter(2), train_bn=False)

def test_layers_and_groups_follow_the_model(learn):
    name, layers = encoder_layers(learn.model.encoder)
    assert (name, len(layers)) == ('encoder.layer', N_LAYERS)
    learn.create_opt(); learn.freeze()
    rep = freeze_report(learn)
    assert rep.group.tolist() == ['0', '1', '2', '3', 'total']   # embeddings, layers 0-5, layers 6-11, head
    per_layer = sum(p.numel() for p in layers[0].parameters())
    assert rep.params.iloc[1] == rep.params.iloc[2] == 6 * per_layer   # 12 layers in two halves of six
    assert rep.trainable.iloc[:3].sum() == 0 and rep.trainable.iloc[3] == rep.params.iloc[3]

def test_lora_targets_and_groups_on_twelve_layers(learn):
    targets = lora_targets(learn.model)
    assert len(targets) == 2 * N_LAYERS, targets   # peft's default for BERT: query and value in every layer
    assert {t.split('.')[-1] for t in targets} == {'query', 'value'}
    learn.to_lora(r=4)
    rep = freeze_report(learn)
    assert rep.group.tolist() == ['0', '1', 'no group', 'total']
    n_adapters = sum(p.numel() for n, p in learn.model.named_parameters() if 'lora_' in n)
    assert n_adapters == 2 * N_LAYERS * 4 * (32 + 32)   # r * (d_in + d_out) for each adapted 32x32 layer
    assert rep.trainable.iloc[0] == n_adapters
    xb = learn.dls.one_batch()
    assert learn.model(*xb[:2]).shape == (4, 2)

def test_ia3_on_twelve_layers(learn):
    "IA3 with peft's BERT defaults: key, value and both output projections of every layer; the feed-forward output scaled on its input"
    import fttutor.adapters  # noqa: F401 (registers Learner.to_ia3)
    from fttutor.adapters import ia3_targets
    targets, ff = ia3_targets(learn.model)
    assert len(targets) == 4 * N_LAYERS and len(ff) == 2 * N_LAYERS, (targets, ff)
    learn.to_ia3()
    scales = sum(p.numel() for n, p in learn.model.named_parameters() if 'ia3_' in n)
    assert scales == N_LAYERS * (32 + 32 + 32 + 64)   # key and value outputs (32 each), attention output input (32), feed-forward input (64)
    learn.create_opt(); assert len(learn.opt.param_lists) == 2
    xb = learn.dls.one_batch()
    assert learn.model(*xb[:2]).shape == (4, 2)

def test_prompt_tuning_on_twelve_layers(learn):
    "peft's prompt tuning on the text classifier: n_tokens x hidden prompt weights and the head train; a batch goes through"
    import fttutor.adapters  # noqa: F401 (registers Learner.to_prompt)
    learn.to_prompt(n_tokens=4)
    trainable = {n: p.numel() for n, p in learn.model.named_parameters() if p.requires_grad}
    assert sum(trainable.values()) == 4 * 32 + (32 * 2 + 2), trainable
    xb = learn.dls.one_batch()
    assert learn.model(*xb[:2]).shape == (4, 2)
    learn.fit(1, 1e-2)   # the optimizer sees the prompt and the head
