"""Feature-extraction benchmark: ratios measured side by side in one run (not a test; these machines are shared and noisy).

1. Extraction throughput of `extract_features` vs a plain PyTorch `inference_mode` loop over the same body, DataLoader and batch size.
   Target: ratio >= 0.9 (hooks and fastai plumbing cost at most 10%).
2. Training a head on cached features vs fastai's frozen-body `fit_one_cycle` on the same data and epochs.
   Targets: per-epoch speed-up >= 100x; whole head phase (one-time extraction included) >= 5x; error rates within 1 point.
3. Peak memory of both.

Run: `python bench/feature_extraction.py [--dataset digits] [--epochs 5] [--repeats 3]`
"""
import argparse, os, time, statistics
import torch
from torch import nn
from fastai.layers import Flatten
from fastai.callback.training import BnFreeze
from fastai.callback.schedule import *  # fit_one_cycle
from fttutor.core import lesson_setup, measure, platform_info
from fttutor.data import image_dls
from fttutor.models import transfer_learner
from fttutor.features import extract_features, features_learner, _feature_dl

def plain_loop(body, dl):
    "The reference: a bare PyTorch loop, global average pooling, no hooks, no cache"
    out = []
    body.eval()
    with torch.inference_mode():
        for xb, yb in dl: out.append(body(xb).mean((2, 3)))
    return torch.cat(out)

def bench_extraction(learn, repeats):
    dl = _feature_dl(learn, learn.dls.train)
    body = learn.model[0]
    plain_loop(body, dl); extract_features(learn, learn.dls.train, cache=False, progress=False)  # warm-up
    t_plain, t_ours = [], []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit both alike
        t0 = time.perf_counter(); ref = plain_loop(body, dl); t_plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); ours = extract_features(learn, learn.dls.train, cache=False, progress=False); t_ours.append(time.perf_counter() - t0)
    assert torch.allclose(ref, ours.feats, atol=1e-4), "extract_features disagrees with the plain loop"
    n = len(dl.dataset)
    p, o = statistics.median(t_plain), statistics.median(t_ours)
    print(f"extraction, {n} images, bs {dl.bs}: plain loop {n/p:.0f} img/s, extract_features {n/o:.0f} img/s; "
          f"throughput ratio {p/o:.3f} (target >= 0.9)")
    return p / o

def _linear_head(nf, n_out): return nn.Sequential(nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(nf, n_out))

def _fit_frozen(dls, p, epochs, lr, head, **kw):
    "fastai training of a new head on a frozen body (the body runs every epoch); time, error and peak memory"
    lesson_setup(p)
    if head == 'linear': kw['custom_head'] = _linear_head(1280, dls.c)
    learn = transfer_learner(dls, p.arch, fp16=False, **kw)
    with measure() as m:
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return m, float(learn.validate()[1])

def bench_head(p, dataset, epochs, head='linear', lr=1e-2):
    "Frozen-body fastai training vs the same head on cached features; `head` is 'linear' or 'fastai' (vision_learner's head)"
    dls = image_dls(dataset, profile=p)
    pool = 'avg' if head == 'linear' else 'avgmax'
    # cached: extract once, then train the same head on the features
    lesson_setup(p)
    learn = transfer_learner(dls, p.arch, fp16=False)
    with measure() as m_cached:
        with measure() as m_extract:
            trn = extract_features(learn, dls.train, pool=pool, cache=False, progress=False)
            val = extract_features(learn, dls.valid, pool=pool, cache=False, progress=False)
        flearn = features_learner(trn, val, head=head, bs=dls.bs)
        with measure() as m_train:
            with flearn.no_bar(), flearn.no_logging(): flearn.fit_one_cycle(epochs, lr)
    err_cached = float(flearn.validate()[1])
    print(f"\n{head} head, {len(dls.train_ds)} {dataset} images at {p.img_size} px, {epochs} epochs, bs {dls.bs}:")
    print(f"  cached features: extraction {m_extract.wall_s:.2f} s once, then {m_train.wall_s/epochs:.4f} s/epoch, total {m_cached.wall_s:.2f} s, "
          f"error {err_cached:.4f}, peak RAM {m_cached.peak_ram_mb:.0f} MB (+{m_cached.ram_delta_mb:.0f})")
    res = {}
    for name, kw in (("fastai freeze() (train_bn=True, BN in train mode)", {}),
                     ("frozen incl. BN (train_bn=False + BnFreeze)", dict(train_bn=False, cbs=BnFreeze()))):
        m, err = _fit_frozen(dls, p, epochs, lr, head, **kw)
        per_epoch, whole = (m.wall_s / epochs) / (m_train.wall_s / epochs), m.wall_s / m_cached.wall_s
        print(f"  {name}: {m.wall_s/epochs:.3f} s/epoch, total {m.wall_s:.2f} s, error {err:.4f}, "
              f"peak RAM {m.peak_ram_mb:.0f} MB (+{m.ram_delta_mb:.0f})")
        print(f"    -> per-epoch speed-up {per_epoch:.0f}x (target >= 100x: {per_epoch >= 100}); whole head phase {whole:.1f}x "
              f"(target >= 5x: {whole >= 5}); error cached - frozen {(err_cached - err)*100:+.2f} points (within 1: {abs(err_cached - err) <= 0.01})")
        res[name] = (per_epoch, whole, err_cached - err)
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dataset', default='digits'); ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--profile', default=None)
    a = ap.parse_args()
    p = lesson_setup(a.profile)
    print({k: v for k, v in platform_info().items() if k in ('device', 'accelerator', 'cpus', 'torch_threads', 'torch', 'fastai')})
    learn = transfer_learner(image_dls(a.dataset, profile=p), p.arch, fp16=False)
    ratio = bench_extraction(learn, a.repeats)
    print(f"throughput target (>= 0.9) met: {ratio >= 0.9}")
    for head in ('linear', 'fastai'): bench_head(p, a.dataset, a.epochs, head)
