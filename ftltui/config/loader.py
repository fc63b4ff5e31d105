"""Find and read ansible.cfg the way Ansible does, then apply ``ANSIBLE_*`` over it.

Search order (Ansible's documented one): ``$ANSIBLE_CONFIG`` (a file, or a directory
holding ``ansible.cfg``), ``./ansible.cfg`` unless the current directory is world
writable (then it is ignored with a warning, since anyone could have put it there),
``~/.ansible.cfg``, ``/etc/ansible/ansible.cfg``. Only the first file found is read.
The INI dialect is the one ansible-core reads: keys case-insensitive, ``;`` starts an
inline comment, ``#`` only a whole-line one, no ``%`` interpolation, a repeated key or
section is an error, surrounding quotes are removed.
"""

from __future__ import annotations

import configparser
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftltui.config.model import AnsibleConfig
from ftltui.config.settings import SETTINGS, Setting
from ftltui.errors import FtlError

TRUE_WORDS = frozenset({"y", "yes", "on", "1", "true", "t"})


class ConfigError(FtlError):
    """ansible.cfg cannot be read, or a setting has a value of the wrong type."""


def find_config_file(cwd: Path, env: Mapping[str, str], home: Path) -> tuple[Path | None, list[str]]:
    """The ansible.cfg Ansible would read here, and warnings about files it skipped."""
    warnings: list[str] = []
    candidates: list[Path] = []
    explicit = env.get("ANSIBLE_CONFIG")
    if explicit:
        path = Path(os.path.expandvars(explicit.replace("~", str(home), 1) if explicit.startswith("~")
                                       else explicit))
        if not path.is_absolute():
            path = cwd / path
        if path.is_dir():
            path = path / "ansible.cfg"
        candidates.append(path)
    try:
        cwd_mode = cwd.stat().st_mode
    except OSError:
        cwd_mode = 0
    local = cwd / "ansible.cfg"
    if cwd_mode & stat.S_IWOTH:
        if local.is_file() and not (candidates and candidates[0].is_file()):
            warnings.append(f"ftl-tui is being run in a world writable directory ({cwd}), "
                            "ignoring it as an ansible.cfg source (as Ansible does)")
    else:
        candidates.append(local)
    candidates += [home / ".ansible.cfg", Path("/etc/ansible/ansible.cfg")]
    for path in candidates:
        if path.is_file():
            return path, warnings
    return None, warnings


def _parse_file(path: Path) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], int]]:
    """(section, key) -> raw value and -> line number; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc}") from None
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",), strict=True)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise ConfigError(_parse_error(path, exc)) from None
    values: dict[tuple[str, str], str] = {}
    for section in parser.sections():
        for key, value in parser.items(section, raw=True):
            values[(section, key)] = value
    return values, _key_lines(text)


def _parse_error(path: Path, exc: configparser.Error) -> str:
    """One line: file:line and what the INI format expected there."""
    line = getattr(exc, "lineno", None)
    if isinstance(exc, configparser.ParsingError) and getattr(exc, "errors", None):
        line = exc.errors[0][0]
        return f"{path}:{line}: expected 'key = value', a [section] or a comment, got {exc.errors[0][1].strip()}"
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"{path}:{line}: expected a [section] header before the first setting, got {exc.line.strip()!r}"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{path}:{line}: '{exc.option}' is set twice in [{exc.section}] (each key once per section)"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"{path}:{line}: section [{exc.section}] appears twice (each section once)"
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{path}" + (f":{line}" if line else "") + f": malformed configuration file: {first}"


def read_section(path: Path, section: str) -> list[tuple[str, str, int]]:
    """One section of the ansible.cfg ``path`` as ``(key, value, line)`` in file order; ``[]``
    without it. For ftl-tui's own sections (which Ansible ignores) whose keys are names, such
    as ``[ftl_site_groups]``: keys keep their case, values lose surrounding quotes; same dialect
    and errors (file:line) as :func:`load_config`, so one file is never read two ways."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc}") from None
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",), strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise ConfigError(_parse_error(path, exc)) from None
    if not parser.has_section(section):
        return []
    lines = _key_lines(text)
    return [(key, _unquote(value.strip()), lines.get((section, key.lower()), 0))
            for key, value in parser.items(section, raw=True)]


_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_KEY = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each key (configparser does not keep them); origins say file:line."""
    out: dict[tuple[str, str], int] = {}
    section = ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = _KEY.match(line)
        if m and section:
            out.setdefault((section, m.group(1).strip().lower()), n)
    return out


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _path(text: str, base: Path, home: Path) -> str:
    text = os.path.expandvars(text)
    if text == "~" or text.startswith("~/"):
        text = str(home) + text[1:]
    path = Path(text)
    return os.path.normpath(path if path.is_absolute() else base / path)


def coerce(setting: Setting, raw: Any, base: Path, home: Path) -> Any:
    """A raw string as the setting's type; ValueError says what was expected."""
    if setting.type == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        return False  # as Ansible: any other word is false, not an error
    if setting.type == "int":
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
    text = _unquote(str(raw).strip())
    if setting.type == "str":
        return text
    if setting.type == "list":
        return [_unquote(p.strip()) for p in text.split(",") if p.strip()]
    if setting.type == "path":
        return _path(text, base, home) if text else None
    if setting.type == "path1":
        return [_path(text, base, home)] if text else []
    sep = "," if setting.type == "pathlist" else ":"
    return [_path(_unquote(p.strip()), base, home) for p in text.split(sep) if p.strip()]


def _defaults(home: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in SETTINGS:
        value = s.default
        if isinstance(value, list) and s.type in ("pathspec", "pathlist"):
            value = [str(home) + v[1:] if v.startswith("~") else v for v in value]
        out[s.attr] = list(value) if isinstance(value, list) else value
    return out


def load_config(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> AnsibleConfig:
    """The effective Ansible configuration for a process started in ``cwd`` with ``env``."""
    cwd = Path(cwd or os.getcwd())
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    path, warnings = find_config_file(cwd, env, home)
    values: dict[tuple[str, str], str] = {}
    lines: dict[tuple[str, str], int] = {}
    if path is not None:
        values, lines = _parse_file(path)
    settings = _defaults(home)
    origins = {s.attr: "default" for s in SETTINGS}
    for s in SETTINGS:
        raw, origin, base = None, "", cwd
        for section, key in s.ini:
            if (section, key) in values:
                raw = values[(section, key)]
                origin = f"{path}:{lines.get((section, key), 0)}"
                base = path.parent  # type: ignore[union-attr]
        for name in s.env:
            if name in env:
                raw, origin, base = env[name], f"env: {name}", cwd
        if raw is None:
            continue
        try:
            settings[s.attr] = coerce(s, raw, base, home)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {s.name}: {exc}") from None
        origins[s.attr] = origin
    return AnsibleConfig(config_file=str(path) if path else None, warnings=warnings, origins=origins, **settings)
