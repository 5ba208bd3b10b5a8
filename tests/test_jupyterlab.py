"""The freeze explorer in a real JupyterLab, driven in Chromium by playwright: the widget a student sees, not a headless imitation.

Runs the freezing lesson's cells up to the explorer in a JupyterLab server on a free loopback port, moves the slider by keyboard,
and checks after each move that the table's trainable count is `freeze_report`'s for that depth and that the widget holds exactly
one plot image that is not blank, with nothing sent to the Log Console. Needs Debian's `chromium` and pip `playwright`
(`.ci/run` installs both); it never downloads a browser. Outside CI it is skipped when either is missing."""
import base64, io, json, os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import numpy as np, pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

def _need_browser():
    try: import playwright.sync_api  # noqa: F401
    except ImportError: missing = 'pip playwright'
    else: missing = None if CHROMIUM else "Debian's chromium"
    if missing:
        if os.environ.get('CI'): pytest.fail(f"{missing} is missing: .ci/run must install it")
        pytest.skip(f"{missing} is not installed")

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _lesson_until_explorer(dest:Path) -> Path:
    "The freezing lesson's cells up to and including the one that shows `freeze_explorer`, as a new notebook"
    nb = json.loads((ROOT/'nbs'/'03_freezing.ipynb').read_text())
    cells = []
    for c in nb['cells']:
        cells.append({**c, 'outputs': [], 'execution_count': None} if c['cell_type'] == 'code' else c)
        if c['cell_type'] == 'code' and ''.join(c['source']).startswith('ex = freeze_explorer('): break
    else: raise AssertionError('no cell shows freeze_explorer(...) in nbs/03_freezing.ipynb')
    fn = dest/'explorer.ipynb'
    kernel = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3 (ipykernel)', 'language': 'python'}}
    fn.write_text(json.dumps({**nb, 'metadata': {**nb['metadata'], **kernel}, 'cells': cells}))  # no kernel dialog
    return fn

def _jupyter_env(tmp:Path) -> dict:
    "Jupyter's config, data, runtime and settings folders of this test only, with JupyterLab's news toast off"
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(tmp/'config'), 'JUPYTER_DATA_DIR': str(tmp/'data'),
           'JUPYTER_RUNTIME_DIR': str(tmp/'runtime'), 'JUPYTERLAB_SETTINGS_DIR': str(tmp/'settings'),
           'JUPYTERLAB_WORKSPACES_DIR': str(tmp/'workspaces'), 'IPYTHONDIR': str(tmp/'ipython'),
           'FTTUTOR_OFFLINE': '1', 'OMP_NUM_THREADS': '1'}
    notif = tmp/'settings'/'@jupyterlab'/'apputils-extension'
    notif.mkdir(parents=True)
    (notif/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    return env

def _start_lab(tmp:Path, port:int) -> subprocess.Popen:
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
           "--IdentityProvider.token=", '--ServerApp.password=', f'--ServerApp.root_dir={tmp}',
           '--LabApp.expose_app_in_browser=True', '--ServerApp.port_retries=0', '--allow-root']
    proc = subprocess.Popen(cmd, env=_jupyter_env(tmp), stdout=open(tmp/'lab.log', 'w'), stderr=subprocess.STDOUT)
    for _ in range(120):
        if proc.poll() is not None: break
        try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status', timeout=2); return proc
        except OSError: time.sleep(0.5)
    proc.kill(); raise AssertionError('JupyterLab did not start:\n' + (tmp/'lab.log').read_text()[-3000:])

def _expected_trainable() -> dict:
    "Total trainable parameters at each `freeze_to` depth, from `freeze_report` on the lesson's learner"
    from fttutor.core import lesson_setup
    from fttutor.data import image_dls
    from fttutor.models import transfer_learner
    from fttutor.freezing import freeze_report, n_param_groups
    p = lesson_setup()
    learn = transfer_learner(image_dls('digits', profile=p, samples_per_class=20), 'tf_efficientnet_lite0', fp16=False)
    out = {}
    for n in range(n_param_groups(learn)):
        learn.safe_freeze_to(n); out[n] = int(freeze_report(learn).trainable.iloc[-1])
    return out

def _png_ink(src:str) -> float:
    "Share of pixels that are not (near) white in a `data:image/png;base64,` image"
    assert src.startswith('data:image/png;base64,'), src[:60]
    a = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(',', 1)[1]))).convert('L'))
    return float((a < 230).mean())

def _widget_state(page) -> dict:
    "The slider value, the report table's total trainable count and the plot images inside the widget's output"
    return page.evaluate("""() => {
        const box = document.querySelector('.jp-OutputArea .widget-vbox');
        if (!box) return null;
        const rows = [...box.querySelectorAll('table.dataframe tbody tr')];
        const head = [...box.querySelectorAll('table.dataframe thead th')].map(th => th.textContent.trim());
        const total = rows.find(r => [...r.children].some(td => td.textContent.trim() == 'total'));
        const col = head.indexOf('trainable');
        return {value: box.querySelector('.widget-readout')?.textContent.trim(),
                trainable: total && col >= 0 ? total.children[col].textContent.trim() : null,
                imgs: [...box.querySelectorAll('img')].map(i => i.src)};
    }""")

def _log_console_count(page) -> int:
    "Messages waiting in JupyterLab's Log Console (its status-bar badge; 0 when it shows none)"
    txt = page.evaluate("() => document.querySelector('.jp-LogConsoleStatusItem')?.textContent.trim() || ''")
    return int(''.join(ch for ch in txt if ch.isdigit()) or 0)

def test_freeze_explorer_in_jupyterlab(tmp_path):
    _need_browser()
    from playwright.sync_api import sync_playwright
    t0 = time.perf_counter()
    expected = _expected_trainable()
    nb = _lesson_until_explorer(tmp_path)
    port = _free_port()
    lab = _start_lab(tmp_path, port)
    shots = Path(os.environ.get('FTTUTOR_ARTIFACTS', tmp_path/'artifacts')); shots.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/{nb.name}')
            # the status bar's kernel status, not the toolbar's: the toolbar says idle before a kernel exists
            page.wait_for_function("() => /Idle/.test(document.querySelector('.jp-StatusBar-Widget')?.textContent || '')", timeout=120_000)
            page.evaluate("() => window.jupyterapp.commands.execute('runmenu:run-all')")
            page.wait_for_function("() => document.querySelector('.jp-OutputArea .widget-vbox img')", timeout=300_000)
            page.wait_for_function("() => /Idle/.test(document.querySelector('.jp-StatusBar-Widget')?.textContent || '')", timeout=120_000)
            state = _widget_state(page)
            assert int(state['value']) == 2, state['value']   # the explorer starts at the last group: only the head's group trains
            assert int(state['trainable'].replace(',', '')) == expected[2]
            assert _log_console_count(page) == 0
            handle = page.locator('.jp-OutputArea .widget-vbox .noUi-handle').first
            handle.scroll_into_view_if_needed()
            for i, (key, depth) in enumerate([('ArrowLeft', 1), ('ArrowLeft', 0), ('ArrowRight', 1)]):
                handle.focus(); page.keyboard.press(key)
                page.wait_for_function(f"() => document.querySelector('.jp-OutputArea .widget-vbox .widget-readout')?.textContent.trim() == '{depth}'")
                page.wait_for_function(f"""() => {{ const b = document.querySelector('.jp-OutputArea .widget-vbox');
                    return b && b.querySelectorAll('img').length >= 1 && [...b.querySelectorAll('table.dataframe tr')].length > 0
                           && /Idle/.test(document.querySelector('.jp-StatusBar-Widget')?.textContent || ''); }}""")
                page.wait_for_timeout(1500)  # let any stray output arrive
                state = _widget_state(page)
                page.screenshot(path=str(shots/f'jupyterlab_freeze_explorer_move{i+1}.png'))
                assert int(state['trainable'].replace(',', '')) == expected[depth], (depth, state['trainable'], expected)
                assert len(state['imgs']) == 1, f"move {i+1}: {len(state['imgs'])} images in the widget"
                ink = _png_ink(state['imgs'][0])
                assert ink > 0.02, f"move {i+1}: the widget's plot is blank ({ink:.1%} of pixels drawn)"
                assert _log_console_count(page) == 0, f"move {i+1}: output went to the Log Console"
            browser.close()
    finally:
        lab.terminate()
        try: lab.wait(timeout=20)
        except subprocess.TimeoutExpired: lab.kill()
    print(f"JupyterLab freeze-explorer test: {time.perf_counter() - t0:.0f} s")

def test_fresh_kernel_import_prints_nothing():
    "`from fttutor.all import *` in a new IPython kernel sends no output at all: no warning box in a student's first cell"
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name='python3', env={**os.environ, 'FTTUTOR_OFFLINE': '1'})
    try:
        msg_id = kc.execute('from fttutor.all import *')
        outs = []
        while True:
            m = kc.get_iopub_msg(timeout=180)
            if m['parent_header'].get('msg_id') != msg_id: continue
            if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle': break
            if m['msg_type'] in ('stream', 'error', 'display_data', 'execute_result'): outs.append(m['content'])
    finally: km.shutdown_kernel(now=True)
    assert outs == [], outs
