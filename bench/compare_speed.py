"""Speed of the main job and of the test command, before and after a change: ratios measured side by side in one run.

Not a test: these machines are shared and noisy, so the two versions run alternately, `--repeats` times each, in the same
session, and the ratio of their medians is what counts. The "before" version is a git revision (default: the last commit before
the refactor of issue 12), checked out into a temporary worktree and run with the same virtual environment and the same fresh
`FTTUTOR_HOME` cache state.

1. The default `fttutor-compare` end to end (target: after / before <= 1 / 1.5), at the same accuracy: every run's test accuracy
   and chosen rate per strategy are printed side by side.
2. With `--tests`, the README's test command as well (target: <= 1 / 1.3): each version runs the command its own README states
   (read from that revision's README, after the install), with a fresh copy of the warmed cache, and the notebooks' own times are
   printed beside the totals. The suites differ: later revisions test more lessons, and under more profiles. About an hour for both.
3. With `--profile`, where the time of one default comparison goes: training steps, validation passes, scoring, the probe.

Run: `python bench/compare_speed.py [--before REV] [--repeats 1] [--tests] [--profile]`
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BEFORE = 'f604d2d'   # main before the issue-12 pass

def worktree(rev:str) -> Path:
    "A checkout of `rev` in a temporary folder (removed at exit by git worktree prune)"
    d = Path(tempfile.mkdtemp(prefix=f'fttutor-{rev}-'))
    subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', str(d), rev], check=True, capture_output=True)
    return d

def timed(cmd:list, src:Path, home:Path, env_extra:dict=None, cwd:Path=None) -> float:
    "Wall seconds of `cmd` run in `cwd` (default: `src`) with `src` first on the Python path and `home` as the fttutor cache"
    env = {**os.environ, 'PYTHONPATH': str(src), 'FTTUTOR_HOME': str(home), 'FTTUTOR_OFFLINE': '1', 'MPLBACKEND': 'Agg', **(env_extra or {})}
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd or src, env=env, capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed in {src}:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0

def warm_home(src:Path) -> Path:
    "A cache folder with the datasets and converted weights built once, so both versions time the job, not the one-off setup"
    home = Path(tempfile.mkdtemp(prefix='fttutor-bench-home-'))
    code = 'from fttutor.data import photos_folder, digits_folder; from fttutor.models import lite0_weights_file; photos_folder(); digits_folder(); lite0_weights_file()'
    timed([sys.executable, '-c', code], src, home)
    return home

def compare_cmd() -> list:
    "The default comparison, with no options: it saves into `fttutor-comparison/` of its working folder (older revisions ignore `--out`)"
    code = ('try: from fttutor.cli import main\n'          # today: the command has a module of its own
            'except ImportError: from fttutor.compare import main\n'   # revisions before the one-way refactor
            'main()')
    return [sys.executable, '-c', code]

def compare_run(src:Path, home:Path) -> tuple:
    "Wall seconds of one default comparison of `src` in a fresh folder, and the results it saved (one row per strategy)"
    import pandas as pd
    cwd = Path(tempfile.mkdtemp(prefix='fttutor-bench-compare-'))
    secs = timed(compare_cmd(), src, home, {'OMP_NUM_THREADS': '2'}, cwd=cwd)
    return secs, pd.read_csv(cwd/'fttutor-comparison'/'results.csv').set_index('strategy')

def accuracy_table(res:dict):
    "Each strategy's test accuracy and chosen rate in every run, before and after: the speed-up is only worth it at the same accuracy"
    import pandas as pd
    cols = {f'{name} {i + 1}': df.test_accuracy for name, runs in res.items() for i, df in enumerate(runs)}
    tab = pd.DataFrame(cols)
    tab.loc['mean (without scratch)'] = tab.drop(index='scratch', errors='ignore').mean()
    print('\ntest accuracy of each run (one seed each: a difference of a few points can be seed noise, which Lesson 7 measures over seeds)')
    print(tab.round(3).to_string())
    lrs = pd.DataFrame({f'{name} {i + 1}': df.lr for name, runs in res.items() for i, df in enumerate(runs)})
    print('\nchosen learning rate of each run (on validation)'); print(lrs.to_string())

def test_cmd(src:Path) -> list:
    "The test command `src`'s README states (what follows its install), run with this virtual environment"
    import re
    m = re.search(r'pip install -e "\.\[dev\]" && (.*(?:nbdev-test|test_lessons\.py).*pytest[^\n`]*)', (src/'README.md').read_text())
    if not m: raise SystemExit(f"No test command found in {src/'README.md'}")
    cmd = m.group(1).replace('.venv/bin/', f'{Path(sys.executable).parent}/')
    if 'nbdev-test' in cmd: cmd = cmd.replace('nbdev-test', 'nbdev-test --timing', 1)   # each notebook's time, printed by nbdev
    return ['bash', '-c', cmd]

def notebook_times(out:str) -> list:
    "The lines of a test command's output that give a notebook's time (`nbdev-test --timing`: 'x.ipynb: 12 secs'; tools/test_lessons.py: 'ok cpu x.ipynb 12 s')"
    import re
    return [l.strip() for l in out.splitlines() if re.search(r'\.ipynb', l) and re.search(r'\d+(\.\d+)? ?(s|secs)\b', l)]

def timed_tests(src:Path, home:Path) -> tuple:
    "Wall seconds of `src`'s test command with a fresh copy of the warmed cache, its exit status, and the notebook times it printed"
    import re, shutil
    fresh = Path(tempfile.mkdtemp(prefix='fttutor-bench-tests-')) / 'home'
    shutil.copytree(home, fresh)
    env = {**os.environ, 'PYTHONPATH': str(src), 'FTTUTOR_HOME': str(fresh)}
    t0 = time.perf_counter()
    r = subprocess.run(test_cmd(src), cwd=src, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    out = r.stdout + r.stderr
    nb_lines = notebook_times(out)
    tail = [l for l in out.splitlines() if re.search(r'passed|failed|Success|notebook runs', l)][-3:]
    return secs, r.returncode, nb_lines + tail

def profile(src:Path, home:Path):
    "cProfile of one default comparison, summed into the parts a reader can act on"
    code = f"""
import cProfile, pstats, io, matplotlib; matplotlib.use('Agg')
from fttutor.compare import compare_strategies
pr = cProfile.Profile(); pr.enable(); compare_strategies(out=None, progress=False); pr.disable()
st = pstats.Stats(pr); tot = st.total_tt
parts = {{'training steps (fit, without its validation)': ('learner.py', '_do_epoch_train'),
          'validation passes inside fit': ('learner.py', '_do_epoch_validate'),
          'scoring after training (get_preds)': ('learner.py', 'get_preds'),
          'linear probe: feature extraction': ('features.py', 'extract_features'),
          'linear probe: scikit-learn': ('features.py', 'linear_probe'),
          'building DataLoaders': ('data.py', 'image_dls'),
          'building learners': ('models.py', 'transfer_learner')}}
cum = {{}}
for (fn, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
    for label, (f, n) in parts.items():
        if fn.endswith(f) and name == n: cum[label] = cum.get(label, 0) + ct
whole = max(ct for (fn, l, n), (cc, nc, tt, ct, c) in st.stats.items() if n == 'compare_strategies')
print(f'one default comparison under cProfile: {{whole:.0f}} s')
for k, v in cum.items(): print(f'  {{k:<48}} {{v:7.1f}} s  {{100 * v / whole:5.1f}}%')
print('  (get_preds runs a validation pass too, so the validation line includes the scoring line)')
"""
    env = {**os.environ, 'PYTHONPATH': str(src), 'FTTUTOR_HOME': str(home), 'FTTUTOR_OFFLINE': '1'}
    print(subprocess.run([sys.executable, '-c', code], cwd=src, env=env, capture_output=True, text=True).stdout)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--before', default=DEFAULT_BEFORE, help='git revision to compare against')
    ap.add_argument('--repeats', type=int, default=1)
    ap.add_argument('--tests', action='store_true', help='also time the README test command (about an hour per version)')
    ap.add_argument('--profile', action='store_true', help='where the time of one default comparison goes (this version)')
    a = ap.parse_args()
    before, after = worktree(a.before), ROOT
    try:
        home = warm_home(after)
        if a.profile: profile(after, home)
        t, res = {'before': [], 'after': []}, {'before': [], 'after': []}
        for i in range(a.repeats):
            for name, src in (('before', before), ('after', after)):
                secs, df = compare_run(src, home)
                t[name].append(secs); res[name].append(df)
                print(f'fttutor-compare, {name} ({a.before if name == "before" else "working tree"}), run {i + 1}: {secs:.0f} s', flush=True)
        b, f = statistics.median(t['before']), statistics.median(t['after'])
        print(f'\ndefault fttutor-compare: before {b:.0f} s, after {f:.0f} s: {b / f:.2f}x faster (target 1.5x)')
        accuracy_table(res)
        if a.tests:
            tt = {}
            for name, src in (('before', before), ('after', after)):
                print(f"\ntest command, {name}: {' '.join(test_cmd(src)[2:])}", flush=True)
                secs, rc, lines = timed_tests(src, home)
                tt[name] = secs
                print(f"test command, {name}: {secs:.0f} s, exit status {rc}", *lines, sep='\n  ', flush=True)
            print(f"\ntest command: before {tt['before']:.0f} s, after {tt['after']:.0f} s: {tt['before'] / tt['after']:.2f}x faster (target 1.3x)")
    finally:
        subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(before)], capture_output=True)

if __name__ == '__main__': main()
