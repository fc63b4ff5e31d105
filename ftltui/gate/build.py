"""Build the gate program (controller side, stdlib only): a zipapp made in memory.

The zip holds ``ftltui/gate`` and ``ftltui/modules`` with fixed timestamps and a
stub ``ftltui/__init__.py``, so its SHA-256 only changes when the code does; the
remote cache directory is named by that hash. ``bootstrap_command`` is the single
exec that starts a gate: it runs the cached copy, or asks for the zip once (``need``)
and unpacks it (a directory, not zipimport, so Python caches the bytecode there).
"""

from __future__ import annotations

import hashlib
import io
import shlex
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Tuple

PKG = Path(__file__).resolve().parent.parent  # .../ftltui

# Python 3.8-compatible, kept small: it travels on every gate start. A cache hit imports
# nothing beyond sys/os/pwd (hashlib alone cost ~3 ms of every gate start). The cache is
# the *effective* user's (passwd home, not $HOME): a gate started through sudo/su that
# kept the caller's HOME must neither write into the caller's home nor run code from it.
BOOTSTRAP = """\
import sys,os
h,n=sys.argv[1],int(sys.argv[2])
try:import pwd;u=pwd.getpwuid(os.geteuid()).pw_dir
except (ImportError,KeyError):u=os.path.expanduser('~')
d=os.path.join(u,'.cache','ftl-tui')
p=os.path.join(d,'gate-%s'%h)
if not os.path.isdir(p):
 import hashlib,io,zipfile,shutil
 m=b'{"t":"need"}';os.write(1,len(m).to_bytes(4,'big')+m)
 b=bytearray()
 while len(b)<n:
  c=os.read(0,n-len(b))
  if not c:sys.exit(3)
  b+=c
 if hashlib.sha256(b).hexdigest()[:32]!=h:sys.exit(4)
 z=zipfile.ZipFile(io.BytesIO(bytes(b)))
 try:
  os.makedirs(d,0o700,exist_ok=True);t='%s.%d'%(p,os.getpid());z.extractall(t)
  try:os.rename(t,p)
  except OSError:shutil.rmtree(t,True)
 except OSError:
  import tempfile;p=tempfile.mkdtemp();z.extractall(p)
sys.path.insert(0,p)
from ftltui.gate.server import main
main(h)
"""

_STUB_INIT = '"""ftl-tui gate runtime (stub package)."""\n'
_MAIN = "import sys\nfrom ftltui.gate.server import main\nmain(sys.argv[1] if len(sys.argv) > 1 else 'dev')\n"


@lru_cache(maxsize=1)
def gate_payload() -> Tuple[bytes, str]:
    """(zip bytes, 32-hex content hash); computed once per controller process."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text)

        add("__main__.py", _MAIN)
        add("ftltui/__init__.py", _STUB_INIT)
        for sub in ("gate", "modules"):
            for f in sorted((PKG / sub).glob("*.py")):
                add(f"ftltui/{sub}/{f.name}", f.read_text(encoding="utf-8"))
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()[:32]


def bootstrap_command(python: str = "python3") -> Tuple[str, bytes, str]:
    """(shell command line, zip bytes, hash) for one gate start."""
    data, digest = gate_payload()
    # -S: the gate needs only the stdlib; skipping site saves ~20 ms per start
    cmd = "%s -S -c %s %s %d" % (shlex.quote(python), shlex.quote(BOOTSTRAP), digest, len(data))
    return cmd, data, digest
