__version__ = "0.0.1"

import os as _os
if _os.environ.get('FTTUTOR_OFFLINE', '').lower() in ('1', 'true', 'yes'):
    # Offline proof mode: every non-loopback connection fails at once (see nbs/00_core.ipynb).
    from .core import block_network as _block_network
    _block_network()
