#!/usr/bin/env python
"""Test every notebook under one or more profiles, in one pool of workers: `python tools/test_lessons.py --profiles cpu mini`.

Each notebook runs through nbdev's own `test_nb`, exactly as `nbdev-test` runs it: the `tst_flags` cells of `pyproject.toml` are
skipped unless `--flags` names them, and a failing cell fails its notebook. What this adds is the profile (`FTTUTOR_PROFILE`, set per
notebook) and the order: CI tests every lesson under two offline profiles, and one pool that starts the slowest notebooks first keeps
both cores busy to the end, where two `nbdev-test` runs in file order would each end with one core idle behind the longest lesson.
"""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Scheduling hints only, seconds per notebook measured on 2 cores (a clean-clone CI run); they set the order, never a result.
HINT_S = {'cpu': {'07_compare': 220, '04_finetuning': 180, '09_tuning': 135, '08_adapters': 115, '06_lora': 100, '05_text': 90, '10_deploy': 90,
                  'lib_protocol': 80, '02_features': 45, 'lib_distrib': 40},
          'mini': {'04_finetuning': 195, '09_tuning': 185, '08_adapters': 150, '11_noisy': 130, '06_lora': 125, '05_text': 115, '07b_data_layers': 100,
                   '10_deploy': 95, 'lib_distrib': 70, 'lib_protocol': 65, '07_compare': 40}}   # cpu without its `long` cells; mini with them

# tst_flags for cells that need an optional extra -> the modules the extra installs: run when they import, skipped (saying why) when not
EXTRAS = {'deploy': ('onnx', 'onnxscript', 'onnxruntime'), 'tune': ('optuna', 'optuna_integration')}

def extra_flags() -> tuple:
    "`(flags to run, notes)`: an extra's cells run when its packages import; otherwise they are skipped and a note says how to install it"
    import subprocess
    run, notes = [], []
    for flag, mods in EXTRAS.items():   # imported in a child process: the workers start from this one, which stays free of them
        missing = [m for m in mods if subprocess.run([sys.executable, '-c', f'import {m}'], capture_output=True).returncode]
        if missing: notes.append(f"skipping the `#| {flag}` cells: the {flag} extra is not installed ({', '.join(missing)}): pip install -e '.[{flag}]'")
        else: run.append(flag)
    return run, notes

def notebooks(names=()) -> list:
    "The notebooks nbdev-test would pick (names starting with `_` or `.` skipped), or those named (in `nbs/`, or paths to notebooks)"
    nbs = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    if not names: return nbs
    by_name = {k: p for p in nbs for k in (p.stem, p.name)}
    pick = [by_name.get(n) or Path(n).resolve() for n in names]
    missing = [n for n, p in zip(names, pick) if not (p.is_file() and p.suffix == '.ipynb')]
    if missing: sys.exit(f"No notebook {', '.join(missing)}: name one in nbs/ or give a path to an .ipynb file")
    return pick

def slowest_first(tasks:list) -> list:
    "`(profile, notebook)` pairs, the longest expected first (a notebook without a hint counts 30 s)"
    return sorted(tasks, key=lambda t: -HINT_S.get(t[0], {}).get(t[1].stem, 30))

def _test(profile:str, fn:Path, skip_flags:list, force_flags:list, cell_timeout, exec_profile:bool, timing:float=None) -> tuple:
    "Run one notebook's tests under `profile` in this worker"
    import multiprocessing
    from nbdev.test import test_nb
    # this worker came from the forkserver, whose start method its children would inherit: a notebook's own processes (DataLoader
    # workers, say) start by fork, as in a Jupyter kernel on Linux, so that local functions they hold need no pickling
    multiprocessing.set_start_method('fork', force=True)
    os.environ['FTTUTOR_PROFILE'] = profile
    return test_nb(fn, skip_flags=skip_flags, force_flags=force_flags, basepath=str(ROOT), cell_timeout=cell_timeout, profile=exec_profile,
                   cell_timing_min=timing)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebook names (default: all)')
    ap.add_argument('--profiles', nargs='+', default=['cpu'], help='profiles of settings.ini to test under (default: cpu)')
    ap.add_argument('--flags', default='', help='space-separated tst_flags to run anyway, as nbdev-test --flags')
    ap.add_argument('--long', nargs='+', default=[], metavar='PROFILE',
                    help="also run the `#| long` cells under these profiles (CI: `--long mini`; under the others they are skipped, and "
                         "tools/outputs.py executes them under `cpu` for the saved outputs it checks)")
    ap.add_argument('--n-workers', type=int, default=2)
    ap.add_argument('--timing', type=float, default=None, metavar='S', help="print every cell slower than S seconds (nbdev's cell timing)")
    a = ap.parse_args(argv)
    from nbdev.config import get_config
    from configparser import ConfigParser
    cfg, known = get_config(ROOT), ConfigParser()
    known.read(ROOT/'settings.ini')
    bad = [p for p in a.profiles if not known.has_section(p)]
    bad += [p for p in a.long if not known.has_section(p) and p not in bad]
    if bad: sys.exit(f"Unknown profile {', '.join(bad)}: settings.ini has {', '.join(known.sections())}")
    stray = [p for p in a.long if p not in a.profiles]
    if stray: sys.exit(f"--long {', '.join(stray)}: not among --profiles ({', '.join(a.profiles)}); name each profile in both")
    extras, notes = extra_flags()
    skip, force = str(cfg.tst_flags).split(), a.flags.split() + extras
    for n in notes: print(n, flush=True)
    tasks = slowest_first([(p, fn) for p in a.profiles for fn in notebooks(a.notebooks)])
    start, failed, times = time.time(), [], []
    long = f"; the `#| long` cells under {', '.join(a.long)} only" if a.long else ''
    print(f"testing {len(tasks)} notebook runs ({', '.join(a.profiles)}{long}) on {a.n_workers} workers", flush=True)
    # workers find `_test` in this file as a module: a notebook run by nbdev replaces the worker's `__main__`
    sys.path.insert(0, str(Path(__file__).parent)); from test_lessons import _test as test_one
    # one fresh process per notebook (`max_tasks_per_child=1`, forked from a small forkserver, never from a worker): a notebook's shell
    # stays alive in the process that ran it, so a worker that ran several grew past 17 GB and was killed (CI, 24 GB on 2 cores)
    with ProcessPoolExecutor(a.n_workers, mp_context=get_context('forkserver'), max_tasks_per_child=1) as ex:
        futs = {ex.submit(test_one, p, fn, skip, force + (['long'] if p in a.long else []), cfg.cell_timeout or None, bool(cfg.get('exec_profile')), a.timing): (p, fn) for p, fn in tasks}
        for f in as_completed(futs):
            (p, fn), (ok, secs) = futs[f], f.result()
            times.append((secs, p, fn.name))
            if not ok: failed.append(f"{fn.name} ({p})")
            print(f"{'ok  ' if ok else 'FAIL'} {p:5} {fn.name:24} {secs:6.0f} s   ({time.time() - start:.0f} s in)", flush=True)
    if failed: sys.exit(f"Failed: {', '.join(failed)}")
    print(f"Success: {len(tasks)} notebook runs in {time.time() - start:.0f} s")

if __name__ == '__main__': main()
