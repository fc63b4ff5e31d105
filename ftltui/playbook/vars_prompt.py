"""``vars_prompt`` entries read as ansible-playbook 2.19 reads them (``Display.do_var_prompt``).

One place for every face that asks (the CLI's terminal before the job is queued, the run
itself, the console's modal), so the options mean the same everywhere (hR s11 finding 9:
``encrypt``/``salt``/``salt_size``/``confirm``/``unsafe`` were accepted and ignored, so
``encrypt: sha512_crypt`` put the plaintext where a crypt hash belongs):

- ``confirm``: asked twice; on a mismatch ``***** VALUES ENTERED DO NOT MATCH ****`` and
  both are asked again;
- ``encrypt`` (with ``salt``/``salt_size``): the answer becomes its crypt hash, applied at the
  run, so an answer kept as a job secret is the typed value and a retry hashes it again;
- ``unsafe``: the answer is data, never templated; without it Ansible templates the answer;
- ``private``/``confirm``/``unsafe`` are Ansible booleans (``"False"``, ``"no"`` are false).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ftltui.errors import FtlError
from ftltui.playbook.options import Asker
from ftltui.templating import UnsafeText
from ftltui.templating.filters_core import to_bool

# the hashes Ansible's do_encrypt gives without passlib (its crypt fallback), which
# ftltui.templating.password_hash computes the same way
ENCRYPT = ("bcrypt", "md5_crypt", "sha256_crypt", "sha512_crypt")
MISMATCH = "***** VALUES ENTERED DO NOT MATCH ****"


@dataclass(frozen=True)
class PromptSpec:
    """One ``vars_prompt`` entry, its options parsed once."""

    name: str
    text: str
    private: bool = True
    default: str | None = None
    confirm: bool = False
    encrypt: str | None = None
    salt: str | None = None
    salt_size: int | None = None
    unsafe: bool = False


def prompt_spec(entry: Mapping[str, Any]) -> PromptSpec:
    name = str(entry.get("name"))
    default, salt, size = entry.get("default"), entry.get("salt"), entry.get("salt_size")
    encrypt = entry.get("encrypt")
    return PromptSpec(name, str(entry.get("prompt", name)), to_bool(entry.get("private", True)),
                      None if default is None else str(default), to_bool(entry.get("confirm", False)),
                      str(encrypt) if encrypt else None, None if salt is None else str(salt),
                      None if size is None else int(size), to_bool(entry.get("unsafe", False)))


def encrypt_problem(value: Any) -> str | None:
    """Why an ``encrypt`` value cannot be honoured (checked at load), or None."""
    if value is None or value == "" or (isinstance(value, str) and "{{" in value):
        return None  # none, or a template the run resolves (and checks then)
    if str(value) in ENCRYPT:
        return None
    return f"vars_prompt: encrypt {value!r} is not supported; expected one of {', '.join(ENCRYPT)}"


def _say(text: str) -> None:
    print(text, flush=True)  # Ansible's display.display: stdout


def ask_answer(spec: PromptSpec, ask: Asker, say: Callable[[str], None] = _say) -> str | None:
    """The typed answer (None: no terminal), asked twice until both match for ``confirm``."""
    while True:
        first = ask(spec.text, spec.private, spec.default)
        if not spec.confirm or first is None:
            return first
        second = ask(f"confirm {spec.text}", spec.private, spec.default)
        if first == second:
            return first
        say(MISMATCH)


def final_value(spec: PromptSpec, answer: str, where: Any = None) -> str:
    """The variable's value from the typed answer (or default): hashed for ``encrypt``,
    kept from templating for ``unsafe``."""
    value = answer
    if spec.encrypt:
        from ftltui.templating.filters_core import FilterError
        from ftltui.templating.password_hash import password_hash

        if spec.encrypt not in ENCRYPT:
            raise FtlError(encrypt_problem(spec.encrypt) or spec.encrypt, where)
        try:
            value = password_hash(answer, spec.encrypt, salt=spec.salt, salt_size=spec.salt_size)
        except FilterError as exc:
            raise FtlError(f"vars_prompt {spec.name!r}: {exc}", where) from None
    return UnsafeText(value) if spec.unsafe else value


__all__ = ["ENCRYPT", "MISMATCH", "PromptSpec", "ask_answer", "encrypt_problem", "final_value", "prompt_spec"]
