"""The ways a task names its action, turned into one shape: ``(action, args, keywords)``.

Ansible accepts ``copy: src=a dest=b``, ``copy: {src: a}``, ``action: copy src=a``,
``action: {module: copy, src: a}``, ``local_action: ...`` (delegated to localhost), with
``args:`` merged underneath (the action's own arguments win). A string argument is
``k=v`` words; for the free-form actions (``command``, ``shell``, ``meta``,
``include_tasks``...) the other words are kept as ``_raw_params``. The rules below were
measured against ansible-playbook 2.19 (tests/playbook/test_loader_forms.py): spacing
inside the free-form text is kept, ``\\=`` reads as ``=`` there, quoted values lose their
quotes, ``{{ }}`` and quotes keep their spaces. Backslash escapes in a ``k=v`` word are
decoded before its value is unquoted, in either kind of quotes or none
(tests/playbook/test_loader_escapes.py): ``\\n`` is a newline, ``C:\\temp`` holds a tab,
``C:\\data`` stays as written; free-form text keeps its backslashes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ftltui.engine.kv_escapes import decode_escapes, unquote
from ftltui.playbook.loader_yaml import key_where, type_name, value_where, where
from ftltui.playbook.model import (
    RAW_PARAMS_ACTIONS,
    TASK_KEYWORDS,
    PlaybookError,
    builtin_name,
)

# ``k=v`` words a free-form module keeps as arguments; any other ``k=v`` stays in the text
COMMAND_KEYS = frozenset({"creates", "removes", "chdir", "executable", "warn", "stdin", "stdin_add_newline",
                          "strip_empty_ends"})
_COMMAND_LIKE = frozenset({"command", "shell", "raw", "script", "win_command", "win_shell"})
_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
UNRESOLVED = "couldn't resolve module/action '{}'. This often indicates a misspelling, missing collection, " \
             "or incorrect module path."


@dataclass
class _Word:
    text: str
    sep: str  # what separated it from the previous word in the source: " " or "\n"


def split_words(text: str) -> list[_Word]:
    """Words split on single spaces and newlines, never inside quotes or ``{{ }}``/``{% %}``.

    An empty piece (a second space, an empty line) sticks to the word before it, so
    joining the words again gives the original spacing back, and a removed ``k=v`` word
    takes its trailing spaces with it (ansible-playbook's results, measured). A lone ``\\``
    outside quotes is a line continuation: dropped, and its line ends without a newline.
    """
    words: list[_Word] = []
    open_quote = ""
    closers: list[str] = []
    continued = False  # the line before held a lone backslash outside quotes: no newline after it
    for n, line in enumerate(text.split("\n")):
        joined, continued = continued, False
        for i, piece in enumerate(line.split(" ")):
            if piece == "\\" and not open_quote:  # Ansible drops it and joins the next line to this one
                continued = True
                continue
            sep = ("" if joined and not piece else " " if joined else "\n") if i == 0 and n > 0 else " "
            if words and (open_quote or closers or not piece):
                words[-1].text += sep + piece
            else:
                words.append(_Word(piece, sep))
            open_quote, closers = _scan(piece, open_quote, closers)
    if open_quote:
        raise ValueError(f"unbalanced {open_quote} quote")
    if closers:
        raise ValueError(f"unbalanced jinja2 block: missing {closers[-1]!r}")
    return words


class _Nesting:
    """Where a scan of task text stands: inside a quote, inside ``{{``/``{%``/``{#`` blocks.
    One stepping rule for splitting words and for finding a word's ``=``."""

    def __init__(self, quote: str = "", closers: list[str] | None = None) -> None:
        self.quote = quote
        self.closers = list(closers or [])

    @property
    def top_level(self) -> bool:
        return not self.quote and not self.closers

    def step(self, text: str, i: int) -> int:
        """Take the token at ``i`` (an escape ``\\x``, a block bracket, one character); the next index."""
        ch, two = text[i], text[i:i + 2]
        if ch == "\\":  # a quote right after a backslash opens and closes nothing, inside quotes or out
            return i + 2 if text[i + 1:i + 2] in ("'", '"') else i + 1
        if self.quote:
            if ch == self.quote:
                self.quote = ""
        elif two in _OPENERS:
            self.closers.append(_OPENERS[two])
            return i + 2
        elif self.closers and two == self.closers[-1]:
            self.closers.pop()
            return i + 2
        elif ch in "\"'" and not self.closers:
            self.quote = ch
        return i + 1


def _scan(piece: str, quote: str, closers: list[str]) -> tuple[str, list[str]]:
    """Quote and ``{{``-nesting state after ``piece``."""
    state, i = _Nesting(quote, closers), 0
    while i < len(piece):
        i = state.step(piece, i)
    return state.quote, state.closers


def _key_value(word: str) -> tuple[str, str] | None:
    """``key=value`` at the first ``=`` outside quotes and templates (``\\=`` does not count)."""
    state, i = _Nesting(), 0
    while i < len(word):
        if word[i] == "=" and state.top_level and i > 0 and word[i - 1] != "\\":
            return word[:i], word[i + 1:]
        i = state.step(word, i)
    return None


def _has_bare_equals(word: str) -> bool:
    """Ansible's test for a k=v word (quotes and templates not considered): an ``=`` after
    the first character that no backslash escapes."""
    return any(word[i] == "=" and word[i - 1] != "\\" for i in range(1, len(word)))


def _raw_word(word: _Word, decoded: str) -> _Word:
    """What a word adds to the free-form text: as written, except a word whose every ``=`` is
    escaped, which Ansible gives decoded with ``\\=`` read as ``=``."""
    if "=" in decoded and not _has_bare_equals(decoded):
        return _Word(decoded.replace("\\=", "="), word.sep)
    return word


def parse_kv(text: str, action: str) -> dict[str, Any]:
    """A string of arguments as Ansible splits it for ``action``; ValueError says why not."""
    short = builtin_name(action)
    raw_allowed = short in RAW_PARAMS_ACTIONS
    command_like = short in _COMMAND_LIKE
    args: dict[str, Any] = {}
    raw: list[_Word] = []
    for word in split_words(text):
        decoded = decode_escapes(word.text)
        kv = _key_value(decoded) if decoded.strip() else None
        if kv is not None and (not command_like or kv[0].strip() in COMMAND_KEYS):
            args[kv[0].strip()] = unquote(kv[1])
        elif raw_allowed or word.text.strip():  # Ansible keeps them too: the task fails when it runs
            raw.append(_raw_word(word, decoded))
    if raw:
        args["_raw_params"] = raw[0].text + "".join(w.sep + w.text for w in raw[1:])
    if command_like:
        args.pop("warn", None)  # removed from Ansible; accepted and dropped as Ansible does
    return args


@dataclass
class TaskForm:
    """A task's action, its arguments, and every other keyword, as written."""

    action: str
    args: dict[str, Any]
    keywords: dict[str, Any]


Resolver = Callable[[str], bool]  # is this action name a known module or controller action?


def task_form(data: Any, file: str, resolves: Resolver, *, extra_keywords: frozenset[str] = frozenset()) -> TaskForm:
    """Read one task mapping (not a block); every problem is a PlaybookError at its place."""
    loc = where(file, data)
    if not isinstance(data, dict):
        raise PlaybookError(f"expected a task (a mapping), got a {type_name(data)}", loc)
    allowed = TASK_KEYWORDS | extra_keywords
    for key in data:
        if not isinstance(key, str):
            raise PlaybookError(f"task keys must be strings, got {key!r}", key_where(file, data, key))
    candidates = [k for k in data if k not in allowed and not k.startswith("with_")]
    for key in data:
        if key.startswith("with_") and key not in allowed:
            raise PlaybookError(f"{key}: ftl-tui has no '{key[5:]}' lookup for a loop; use loop: with a filter, "
                                "or one of " + ", ".join(sorted(k for k in TASK_KEYWORDS if k.startswith("with_"))),
                                key_where(file, data, key))
    if "action" in data and "local_action" in data:
        raise PlaybookError("action and local_action are mutually exclusive", loc)
    keywords = {k: v for k, v in data.items() if k in allowed and k not in ("action", "local_action", "args")}
    form_key = "action" if "action" in data else "local_action" if "local_action" in data else None
    inline: dict[str, Any] | None
    if form_key is not None:
        action, inline = _action_value(data[form_key], file, data, form_key)
        names = [action] + candidates
        if form_key == "local_action":
            if "delegate_to" in keywords:  # ansible-playbook keeps one of them without a word
                raise PlaybookError("local_action already delegates to localhost: remove delegate_to, or use "
                                    "action: with delegate_to", key_where(file, data, "delegate_to"))
            keywords["delegate_to"] = "localhost"
    elif candidates:
        action, names = candidates[0], candidates
        inline = None
    else:
        raise PlaybookError("no module/action detected in task.", loc)
    if len(names) > 1:
        raise PlaybookError(f"conflicting action statements: {', '.join(names)}{_typo_hint(names, allowed)}", loc)
    if not resolves(action):
        raise PlaybookError(UNRESOLVED.format(action), loc)
    if inline is None:
        inline = _module_value(data[action], action, file, data)
    extra = data.get("args")
    if extra is not None and not isinstance(extra, dict):
        raise PlaybookError(f"args: expected a mapping of the action's arguments, got a {type_name(extra)}",
                            value_where(file, data, "args"))
    return TaskForm(action, {**(extra or {}), **inline}, keywords)


def _typo_hint(names: list[str], keywords: frozenset[str]) -> str:
    """Most conflicts are a misspelt keyword (``loop_contro``): name the keyword meant."""
    for name in names:
        close = difflib.get_close_matches(name, keywords, n=1, cutoff=0.8)
        if close:
            return f" ('{name}' is not a task keyword: did you mean '{close[0]}'?)"
    return ""


def _module_value(value: Any, action: str, file: str, data: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return parse_kv(str(value), action)
        except ValueError as exc:
            raise PlaybookError(f"{action}: {exc}", value_where(file, data, action)) from None
    raise PlaybookError(f"{action}: expected key=value text or a mapping of arguments, got a {type_name(value)}",
                        value_where(file, data, action))


def _action_value(value: Any, file: str, data: Any, key: str) -> tuple[str, dict[str, Any]]:
    """``action: copy src=a`` / ``action: {module: copy, src: a}`` -> (name, args)."""
    at = value_where(file, data, key)
    if isinstance(value, dict):
        module = value.get("module")
        if not isinstance(module, str) or not module:
            raise PlaybookError(f"{key}: a mapping needs 'module: NAME'", at)
        return module, {str(k): v for k, v in value.items() if k != "module"}
    if not isinstance(value, str) or not value.strip():
        raise PlaybookError(f"{key}: expected 'MODULE key=value ...' or a mapping with 'module:'", at)
    try:
        words = split_words(value.strip())
        if not words or not words[0].text.strip():
            raise ValueError("expected 'MODULE key=value ...' or a mapping with 'module:'")
        head = words[0].text.strip()
        rest = "".join(w.sep + w.text for w in words[1:])[1:]
        return head, parse_kv(rest, head) if rest.strip() else {}
    except ValueError as exc:
        raise PlaybookError(f"{key}: {exc}", at) from None
