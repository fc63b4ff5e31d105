"""The playbook template engine: Jinja2 in a sandbox with Ansible's filters, tests,
lookups, lazy variables and native values (written from Ansible's documentation for
ftl-tui and compared with ansible-playbook by tests/playbook/test_jinja_oracle.py;
nothing here imports ansible).

    t = Templar(variables, base_dir=playbook_dir, search_paths=[role_dir, ...])
    t.render(value)            # dicts/lists walked; "{{ x }}" alone keeps x's type
    t.evaluate("x is defined") # when:/changed_when:/failed_when:/until: expressions
    t.with_vars({"item": i})   # a cheap child for loop items and task vars
    t.lookup("items", terms, task_action="template")   # with_<lookup> loops: a list
    t.render_text(source, path=template_file)           # the template module: text
    value is OMIT              # the argument is to be left out (x | default(omit))
    unsafe(result)             # registered results, facts: data, never templated

Errors are :class:`ftltui.errors.TemplateError` naming the cause ("'x' is undefined",
"The filter plugin 'ansible.builtin.from_json' failed: ...").
"""

from ftltui.templating.lazyvars import UnsafeText, unsafe
from ftltui.templating.omit import OMIT
from ftltui.templating.render import Templar, is_template

__all__ = ["OMIT", "Templar", "UnsafeText", "is_template", "unsafe"]
