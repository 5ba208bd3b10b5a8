"""The GPU check: what the gpu profile's paths buy on one GPU, as ratios measured side by side in one run, with offline data.

1. Training: EfficientNet-Lite0 at 224 px (the gpu profile's image size) on the bundled photos, `fine_tune_steps` with fp16 (fastai's
   mixed precision) vs fp32, the same steps and seed: time per run and validation accuracy.
2. Feature extraction throughput: `extract_features` (fp16 autocast and channels-last on CUDA) vs a plain fp32 PyTorch loop over the
   same body, loader and batch size; and MiniLM sentence embeddings, `embed_texts` vs a plain fp32 Hugging Face loop.
3. CUDA peak memory: training with the body frozen (feature-extraction mode) vs full fine-tuning, the same steps and batch.

Runs in a few minutes on one GPU. On a CPU it runs what a CPU can (fp32 only, at 64 px, few steps) and names every comparison it
skipped and why, so CI can run it:   python bench/gpu_check.py [--size 224] [--steps 60] [--repeats 3]
"""
import argparse, statistics, time
import torch
from fttutor.core import lesson_setup, measure, platform_info, quiet
from fttutor.data import image_dls, text_dataset, text_splits
from fttutor.models import transfer_learner, hf_encoder
from fttutor.features import extract_features, embed_texts, masked_mean, _feature_dl
from fttutor.freezing import feature_extraction_mode
import fttutor.finetuning  # noqa: F401 (registers Learner.fine_tune_steps and fit_steps)

SKIPPED = []
def skip(what:str, why:str): SKIPPED.append(f"{what}: {why}"); print(f"  skipped: {what} ({why})")

def _accuracy(learn) -> float:
    with learn.no_bar(): return 1 - float(learn.validate()[1])

def training(p, size:int, steps:int, cuda:bool):
    print(f"\n1. fine_tune_steps({steps}) on the photos at {size} px, fp16 vs fp32 (seed {p.seed})")
    dls = image_dls(p.dataset, profile=p, size=size, bs=32)
    res = {}
    for fp16 in (False, True):
        if fp16 and not cuda: skip('fp16 training', 'mixed precision needs CUDA'); continue
        lesson_setup(p)
        learn = transfer_learner(dls, p.arch, fp16=fp16)
        with quiet(learn): learn.fine_tune_steps(2)   # warm-up: cuDNN autotuning, allocator
        lesson_setup(p)
        learn = transfer_learner(dls, p.arch, fp16=fp16)
        with measure() as m, quiet(learn): learn.fine_tune_steps(steps)
        res[fp16] = (m.wall_s, _accuracy(learn))
        print(f"  {'fp16' if fp16 else 'fp32'}: {m.wall_s:.1f} s, validation accuracy {res[fp16][1]:.3f}")
    if len(res) == 2:
        print(f"  fp16 speed-up {res[False][0] / res[True][0]:.2f}x; accuracy change {res[True][1] - res[False][1]:+.3f}")

def _plain_image_loop(body, dl, device):
    out = []
    with torch.inference_mode():
        for xb, _ in dl: out.append(body(xb.to(device)).float().mean((2, 3)).cpu())
    return torch.cat(out)

def _timed(f, repeats:int) -> float:
    f()   # warm-up
    ts = []
    for _ in range(repeats):
        if torch.cuda.is_available(): torch.cuda.synchronize()
        t0 = time.perf_counter(); f()
        if torch.cuda.is_available(): torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def extraction(p, size:int, repeats:int, cuda:bool):
    print(f"\n2. feature extraction throughput at {size} px: extract_features vs a plain fp32 loop")
    learn = transfer_learner(image_dls(p.dataset, profile=p, size=size, bs=64), p.arch, fp16=False)
    dl, body = _feature_dl(learn, learn.dls.train), learn.model[0].eval()
    n = len(dl.dataset)
    plain = _timed(lambda: _plain_image_loop(body, dl, learn.dls.device), repeats)
    ours = _timed(lambda: extract_features(learn, learn.dls.train, cache=False, progress=False), repeats)
    note = '' if cuda else ' (on a CPU: fp32 both, no autocast)'
    print(f"  images/s: plain {n / plain:.0f}, extract_features {n / ours:.0f}: ratio {plain / ours:.2f}x{note}")
    if not cuda: skip('fp16 + channels-last extraction', 'autocast to fp16 is the CUDA path')
    train = text_splits(*text_dataset(p.text_dataset), seed=p.seed)[0]
    texts = list(train.text[:256])
    net, tok = hf_encoder(p.text_model)
    net = net.to(learn.dls.device).eval()
    def plain_text():
        with torch.inference_mode():
            for i in range(0, len(texts), 32):
                enc = tok(texts[i:i + 32], padding=True, truncation=True, max_length=p.text_max_len, return_tensors='pt').to(net.device)
                masked_mean(net(**enc).last_hidden_state, enc['attention_mask']).cpu()
    t_plain = _timed(plain_text, repeats)
    t_ours = _timed(lambda: embed_texts((net, tok), texts, max_len=p.text_max_len, bs=32, cache=False, progress=False), repeats)
    print(f"  {p.text_model} sentences/s: plain {len(texts) / t_plain:.0f}, embed_texts {len(texts) / t_ours:.0f}: ratio {t_plain / t_ours:.2f}x")

def memory(p, size:int, steps:int, cuda:bool):
    print(f"\n3. peak memory while training {steps} steps at {size} px: frozen body vs full fine-tuning")
    if not cuda: skip('CUDA peak memory, frozen vs full', 'no CUDA device'); return
    dls = image_dls(p.dataset, profile=p, size=size, bs=32)
    peaks = {}
    for mode in ('frozen', 'full'):
        lesson_setup(p)
        learn = transfer_learner(dls, p.arch, fp16=True)
        if mode == 'frozen': feature_extraction_mode(learn)
        else: learn.unfreeze()
        torch.cuda.empty_cache()
        with measure() as m, quiet(learn): learn.fit_steps(steps, 1e-3)
        peaks[mode] = m.peak_cuda_mb
        print(f"  {mode}: peak CUDA {m.peak_cuda_mb:.0f} MB, {m.wall_s:.1f} s")
    print(f"  full fine-tuning needs {peaks['full'] / peaks['frozen']:.2f}x the frozen body's peak memory")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--size', type=int, default=None, help='image size (default: 224 on CUDA, 64 on a CPU)')
    ap.add_argument('--steps', type=int, default=None, help='optimiser steps per training run (default: 60 on CUDA, 6 on a CPU)')
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    cuda = torch.cuda.is_available()
    p = lesson_setup('cpu')   # offline data and models on any machine; the sizes below are the gpu profile's where a GPU runs it
    size, steps = a.size or (224 if cuda else 64), a.steps or (60 if cuda else 6)
    info = platform_info()
    print(f"GPU check on {info['accelerator']} (torch {torch.__version__}): {p.arch} on the bundled {p.dataset}, {p.text_model}")
    training(p, size, steps, cuda)
    extraction(p, size, a.repeats, cuda)
    memory(p, size, steps, cuda)
    print(f"\nskipped {len(SKIPPED)} comparison(s)" + (': ' + '; '.join(SKIPPED) if SKIPPED else ''))

if __name__ == '__main__': main()
