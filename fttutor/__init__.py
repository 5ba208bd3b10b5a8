"""Feature extraction vs fine-tuning, measured: a fastai + nbdev course and toolkit for reusing pretrained networks

Modules:

- `fttutor.all`: Everything a lesson calls: `from fttutor.all import *` gives fastai's `vision.all` (as fastai lessons expect) and fttutor's public API."""

__version__ = "0.0.1"

import warnings as _warnings
# fastai.layers decorates two activations with `torch.jit.script`, which torch >= 2.10 deprecates with a FutureWarning that
# every student would see on `from fttutor.all import *`. Import it once here with exactly that warning silenced; the
# filter is restored on leaving the block, so no other warning (fttutor's own included) is hidden.
with _warnings.catch_warnings():
    _warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
    import fastai.layers as _fastai_layers  # noqa: F401
