"""One compiled URL builder per distinct route for the whole run, instead of two per route
for every app the suite builds.

Werkzeug compiles each rule's URL builders when the rule is added to an app's URL map:
Python code generated with ``ast`` and ``compile()``, 0.12 s for our routes, most of an
app's start-up. The suite builds an app per test, so the same builders were compiled again
for each of thousands of tests. A builder's code depends only on the rule's text, its parsed
parts and its defaults, and reaches the rule (its converters) through its first argument,
so one compiled for a rule of one app serves the same rule of every other app. Werkzeug has
no setting for this; production builds its app once per process and keeps Werkzeug's own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from werkzeug.routing import Rule

Builder = Callable[..., tuple[str, str]]


def share_url_builders() -> None:
    """Make ``Rule._compile_builder`` return the builder compiled before for the same key."""
    compile_builder = Rule._compile_builder
    built: dict[Hashable, Builder] = {}

    def shared(rule: Rule, append_unknown: bool = True) -> Builder:
        key = _builder_key(rule, append_unknown)
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


def _builder_key(rule: Rule, append_unknown: bool) -> Hashable:
    """Everything ``_compile_builder`` reads: the rule's text (the builder's name), its parts,
    the names of its defaults and, for a default standing in for a part, that part as the
    rule's converter writes it (compiled in as a constant)."""
    defaults: dict[str, Any] = rule.defaults or {}
    constants = tuple(
        (name, rule._converters[name].to_url(defaults[name]))
        for dynamic, name in rule._trace
        if dynamic and name in defaults
    )
    return (rule.rule, tuple(rule._trace), append_unknown, tuple(map(str, defaults)), constants)
