"""What a module is: a declared argument spec plus a ``run(params, ctx)`` function.

Stdlib only. This file runs on the controller and, shipped inside the gate, on every
managed host (Python >= 3.8 there, so no ``match``, no ``X | Y`` at runtime).

A module file ``ftltui/modules/<name>.py`` defines ``SPEC: ModuleSpec`` and
``run(params: dict, ctx: ModuleContext) -> dict``. ``run`` returns Ansible's result
shape (``changed``, ``msg``, ``rc``, ``stdout``, ``stderr``, ``diff`` ...). It fails by
raising :class:`ModuleFail` (or returning ``failed: True``). In check mode
(``ctx.check``) it must not change anything and reports what it would change.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Set, Tuple

TYPES = ("str", "int", "float", "bool", "list", "dict", "path", "raw")

_TRUE = ("yes", "on", "1", "true", "y", "t")
_FALSE = ("no", "off", "0", "false", "n", "f")


class ArgumentError(ValueError):
    """Bad module arguments. The engine turns it into ``ModuleArgsError``."""


class ModuleFail(Exception):
    """Raised by a module to fail with a message and extra result keys."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


class _Frozen:
    """A frozen record (what ``@dataclass(frozen=True)`` gives), written by hand.

    ``dataclasses`` pulls in ``inspect`` (~6 ms per gate start on every host); these two
    records keep the same behaviour: keyword or positional construction with defaults,
    field-wise ``==``/``hash``, a readable ``repr``, and no assignment after creation.
    """

    __slots__ = ()
    _FIELDS: Tuple[str, ...] = ()

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("cannot assign to field %r of a frozen %s" % (name, type(self).__name__))

    def __delattr__(self, name: str) -> None:
        raise AttributeError("cannot delete field %r of a frozen %s" % (name, type(self).__name__))

    def _init(self, values: Dict[str, Any]) -> None:
        for f in self._FIELDS:
            object.__setattr__(self, f, values[f])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % (f, getattr(self, f)) for f in self._FIELDS))


class Arg(_Frozen):
    """One declared argument, in the spirit of Ansible's ``argument_spec``."""

    __slots__ = ("type", "required", "default", "choices", "aliases", "secret", "elements", "help")
    _FIELDS = __slots__
    type: str
    required: bool
    default: Any
    choices: Tuple[Any, ...]
    aliases: Tuple[str, ...]
    secret: bool  # Ansible's no_log: its value is redacted everywhere
    elements: Optional[str]  # element type for lists
    help: str

    def __init__(self, type: str = "str", required: bool = False, default: Any = None,
                 choices: Tuple[Any, ...] = (), aliases: Tuple[str, ...] = (), secret: bool = False,
                 elements: Optional[str] = None, help: str = "") -> None:
        self._init(locals())


class ModuleSpec(_Frozen):
    __slots__ = ("name", "summary", "args", "mutually_exclusive", "required_one_of", "required_together",
                 "needs_python", "free_form", "aliases")
    _FIELDS: Tuple[str, ...] = __slots__  # subclasses (Ansible module specs) add fields
    name: str
    summary: str
    args: Dict[str, Arg]
    mutually_exclusive: Tuple[Tuple[str, ...], ...]
    required_one_of: Tuple[Tuple[str, ...], ...]
    required_together: Tuple[Tuple[str, ...], ...]
    # False for modules that work on a host with no Python (raw; command/shell via exec)
    needs_python: bool
    # free-form first argument, as Ansible's ``command: uname -a`` (name of the arg)
    free_form: Optional[str]
    aliases: Tuple[str, ...]

    def __init__(self, name: str, summary: str, args: Optional[Dict[str, Arg]] = None,
                 mutually_exclusive: Tuple[Tuple[str, ...], ...] = (),
                 required_one_of: Tuple[Tuple[str, ...], ...] = (),
                 required_together: Tuple[Tuple[str, ...], ...] = (),
                 needs_python: bool = True, free_form: Optional[str] = None,
                 aliases: Tuple[str, ...] = ()) -> None:
        values = locals()
        values["args"] = {} if args is None else args
        self._init(values)

    def secret_args(self) -> List[str]:
        return [name for name, a in self.args.items() if a.secret]

    def known_args(self) -> Set[str]:
        """Every name an argument can be given under: the declared names and their aliases."""
        names = set(self.args)
        for a in self.args.values():
            names.update(a.aliases)
        return names

    def precheck(self, args: Dict[str, Any], templated: bool) -> None:
        """The checks that need no host, made before any host is touched.

        A misspelt argument fails at once. While ``templated`` (some value holds
        ``{{ }}``, so its type is known only after rendering, per host) only missing
        required arguments are checked besides; otherwise :func:`validate_args` runs.
        Raises :class:`ArgumentError`.
        """
        known = self.known_args()
        for key in args:
            if key not in known:
                raise ArgumentError("%s: unsupported argument %r (known: %s)"
                                    % (self.name, key, ", ".join(sorted(self.args)) or "none"))
        if not templated:
            validate_args(self, args)
            return
        present = set(args)
        for name, a in self.args.items():
            if a.required and name not in present and not (set(a.aliases) & present):
                raise ArgumentError("%s: missing required argument %r" % (self.name, name))


class _NeverCancelled:
    """The cancel flag of a context nobody cancels (``threading.Event``'s ``is_set``, without
    importing ``threading``: a quarter of a gate's start-up on the hosts' Python)."""

    __slots__ = ()

    def is_set(self) -> bool:
        return False


class ModuleContext:
    """What a running module may use besides its arguments.

    ``emit`` streams a line of output as it is produced (thread-safe, may be called
    from any thread); ``cancelled`` is polled by long-running modules so a cancelled
    run stops its subprocesses. ``environment`` is the task's ``environment`` keyword:
    modules run as threads of a shared process (the gate, the controller), so it is
    never put in ``os.environ``; every process a module starts gets it instead.
    """

    def __init__(
        self,
        *,
        check: bool = False,
        diff: bool = True,
        emit: Optional[Callable[[str, str], None]] = None,
        cancel_event: Optional[Any] = None,
        tmpdir: Optional[str] = None,
        limits: Optional[Any] = None,
        environment: Optional[Dict[str, str]] = None,
    ) -> None:
        self.check = check
        self.environment = dict(environment or {})  # type: Dict[str, str]
        # ``_outcap.OutputLimits``: how much output a module keeps and streams per line
        self.limits = limits
        self.diff = diff
        self._emit = emit
        self._cancel = cancel_event or _NeverCancelled()
        self.tmpdir = tmpdir
        self.warnings: List[str] = []

    def emit(self, stream: str, text: str) -> None:
        if self._emit is not None:
            self._emit(stream, text)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)


def _convert(name: str, value: Any, typ: str, elements: Optional[str] = None) -> Any:
    if value is None:
        return None
    if typ in ("str", "path"):
        if isinstance(value, (dict, list)):
            raise ArgumentError("argument %r: expected a string, got %s" % (name, type(value).__name__))
        return str(value)
    if typ == "raw":
        return value
    if typ == "bool":
        if isinstance(value, bool):
            return value
        s = str(value).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise ArgumentError("argument %r: expected a boolean (yes/no/true/false), got %r" % (name, value))
    if typ == "int":
        if isinstance(value, bool):
            raise ArgumentError("argument %r: expected an integer, got a boolean" % name)
        try:
            if isinstance(value, str):
                try:
                    return int(value, 0)
                except ValueError:  # "07": Ansible's int() reads it as 7, base 0 refuses a leading zero
                    return int(value, 10)
            return int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf"))
            raise ArgumentError("argument %r: expected an integer, got %r" % (name, value)) from None
    if typ == "float":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ArgumentError("argument %r: expected a number, got %r" % (name, value)) from None
    if typ == "list":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ArgumentError("argument %r: expected a list, got %s" % (name, type(value).__name__))
        if elements:
            return [_convert(name, v, elements) for v in value]
        return list(value)
    if typ == "dict":
        if not isinstance(value, dict):
            raise ArgumentError("argument %r: expected a mapping, got %s" % (name, type(value).__name__))
        return dict(value)
    raise ArgumentError("argument %r: unknown type %r in module spec" % (name, typ))


def validate_args(spec: ModuleSpec, raw: Dict[str, Any]) -> Dict[str, Any]:
    """Resolve aliases, convert types, apply defaults and check every constraint.

    Returns the full parameter dict (every declared arg present). Raises
    :class:`ArgumentError` naming the module and the argument on the first problem.
    """
    alias_of: Dict[str, str] = {}
    for name, a in spec.args.items():
        alias_of[name] = name
        for al in a.aliases:
            alias_of[al] = name
    given: Dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key not in alias_of:
            known = ", ".join(sorted(spec.args))
            raise ArgumentError("%s: unsupported argument %r (known: %s)" % (spec.name, key, known or "none"))
        canon = alias_of[key]
        if canon in given:
            raise ArgumentError("%s: argument %r given twice (through an alias)" % (spec.name, canon))
        given[canon] = value
    for group in spec.mutually_exclusive:
        present = [g for g in group if given.get(g) is not None]
        if len(present) > 1:
            raise ArgumentError("%s: arguments are mutually exclusive: %s" % (spec.name, ", ".join(present)))
    for group in spec.required_one_of:
        if not any(given.get(g) is not None for g in group):
            raise ArgumentError("%s: one of these arguments is required: %s" % (spec.name, ", ".join(group)))
    for group in spec.required_together:
        present = [g for g in group if given.get(g) is not None]
        if present and len(present) != len(group):
            raise ArgumentError("%s: arguments must be given together: %s" % (spec.name, ", ".join(group)))
    params: Dict[str, Any] = {}
    for name, a in spec.args.items():
        value = given.get(name)
        if value is None:
            if a.required:
                raise ArgumentError("%s: missing required argument %r" % (spec.name, name))
            params[name] = a.default
            continue
        try:
            value = _convert(name, value, a.type, a.elements)
        except ArgumentError as exc:  # name the module too: "command: argument 'cmd': ..."
            raise ArgumentError("%s: %s" % (spec.name, exc)) from None
        if a.choices and value not in a.choices:
            raise ArgumentError(
                "%s: argument %r must be one of %s, got %r"
                % (spec.name, name, ", ".join(map(str, a.choices)), value)
            )
        params[name] = value
    return params
