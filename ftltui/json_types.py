"""The JSON types at the core's and the engine's boundaries (issue 16: no ``Any`` there).

Module arguments, extra vars, facts and a result's record are user or host JSON: their
shape is the module's or the host's, not ours. ``Any`` let a caller pass anything and
a callee use it as anything, unchecked; these say what they are:

* :data:`JsonObject` for a JSON object handed *in* (read, copied, passed on): any
  ``dict[str, X]`` a caller holds fits it, and the callee cannot mistake it for a
  record of ours without a check;
* :data:`JsonValue`, recursive, for JSON handed *out* (what ``json.loads`` or a module
  gives): a reader narrows with ``isinstance`` before it relies on a shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

JsonValue: TypeAlias = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = Mapping[str, object]
JsonDict: TypeAlias = dict[str, JsonValue]
