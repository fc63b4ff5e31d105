"""ansible.cfg fuzz: any bytes give either settings or one clear ConfigError naming the file.

10,000 generated files: INI-like lines built from the real section and key names mixed
with junk, plus raw text. Never a traceback of another type, never a multi-line message.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.config import SETTINGS, ConfigError, load_config

SECTIONS = ["defaults", "privilege_escalation", "ssh_connection", "inventory", "Defaults", "", "x y"]
KEYS = sorted({key for s in SETTINGS for _, key in s.ini}) + ["unknown", "FORKS", "", " "]
VALUES = st.one_of(st.sampled_from(["yes", "no", "1", "0", "-3", "99999999999999999999", "1.5", "~/x", "./a,b",
                                    "$HOME/x", "'q'", '"', "a:b:c", "%(x)s", "; c", "# c", ""]),
                   st.text(max_size=20))
LINE = st.one_of(
    st.builds(lambda s: f"[{s}]", st.sampled_from(SECTIONS)),
    st.builds(lambda k, sep, v: f"{k}{sep}{v}", st.sampled_from(KEYS), st.sampled_from(["=", " = ", ":", " "]),
              VALUES),
    st.sampled_from(["", "# comment", "; comment", "  continued", "[", "]", "=", "\t", "\x00"]),
    st.text(max_size=30),
)
FILES = st.one_of(st.lists(LINE, max_size=12).map("\n".join), st.text(max_size=200),
                  st.binary(max_size=80).map(lambda b: b.decode("latin-1")))


WORK = Path(tempfile.mkdtemp(prefix="ftl-cfg-fuzz-"))
atexit.register(shutil.rmtree, WORK, True)
os.chmod(WORK, 0o755)
CFG = WORK / "ansible.cfg"
ENV = {"HOME": str(WORK / "home")}
EXAMPLES = int(os.environ.get("FTL_FUZZ_EXAMPLES", "10000"))
BATCH = 10  # files per hypothesis example, as the other fuzz targets: the same cases, less overhead


@settings(max_examples=max(1, EXAMPLES // BATCH), deadline=None, suppress_health_check=list(HealthCheck),
          database=None)
@given(texts=st.lists(FILES, min_size=BATCH, max_size=BATCH))
def test_any_ansible_cfg_is_read_or_refused_clearly(texts: list[str]) -> None:
    for text in texts:
        _read_or_refused(text)


def _read_or_refused(text: str) -> None:
    CFG.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        config = load_config(WORK, ENV)
    except ConfigError as exc:
        msg = str(exc)
        assert msg.startswith(str(CFG)) and "\n" not in msg, msg
        return
    assert config.config_file == str(CFG)
    assert isinstance(config.forks, int) and isinstance(config.become, bool)
    for s in SETTINGS:
        config.origin(s.attr)
    config.dump_lines(only_changed=False)
