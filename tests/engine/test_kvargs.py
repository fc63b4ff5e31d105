import pytest

from ftltui.engine.kvargs import parse_kv
from ftltui.engine.sanitize import safe_text
from ftltui.errors import ModuleArgsError


def test_json_values_and_quotes():
    assert parse_kv('argv=["uname","-a"]') == {"argv": ["uname", "-a"]}
    assert parse_kv("dest=/tmp/x content='a b'") == {"dest": "/tmp/x", "content": "a b"}
    assert parse_kv('{"a": 1}') == {"a": 1}


def test_free_form_keeps_declared_keys():
    assert parse_kv('echo "hi there" chdir=/tmp', "cmd", {"chdir"}) == {"chdir": "/tmp", "cmd": 'echo "hi there"'}
    assert parse_kv("echo a=b", "cmd", {"chdir"}) == {"cmd": "echo a=b"}


def test_errors():
    with pytest.raises(ModuleArgsError, match="key=value"):
        parse_kv("loose words")
    with pytest.raises(ModuleArgsError, match="unterminated"):
        parse_kv("a='oops")
    with pytest.raises(ModuleArgsError, match="JSON"):
        parse_kv("{bad json")


def test_safe_text_strips_terminal_control():
    hostile = "ok\x1b[2J\x1b]0;title\x07\x1b]52;c;aGk=\x07\x1b[8mhidden\x1b[0m\x00end\r"
    out = safe_text(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert out.startswith("ok") and "hidden" in out and out.endswith("\\x00end\\x0d")
    assert safe_text("x" * 100, max_len=10).startswith("x" * 10 + "... [truncated 90")
