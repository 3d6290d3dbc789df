"""Customer segments: the customer properties declared in ``SEGMENTS``, rolled up like
channels for scores and support figures.

A segment value is a property's text, at most ``MAX_VALUE`` characters; a property that is
missing or not text (a number, a list) puts the customer in no segment ("").
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Customer

MAX_VALUE = 200


def declared() -> tuple[str, ...]:
    """The declared segments (``SEGMENTS``), in their order."""
    return tuple(current_app.config["SEGMENTS"])


#: How many of the latest customers the dashboard reads for the property names it offers.
PROPERTY_SAMPLE = 1000


def known_names(sample: int = PROPERTY_SAMPLE) -> list[str]:
    """The declared segments, then the other property names of the latest ``sample``
    customers alphabetically: what the dashboard's property field offers. A sample, so a
    large customer base costs one small query; any other name can still be typed."""
    seen: set[str] = set()
    latest = sa.select(Customer.properties).order_by(Customer.id.desc()).limit(sample)
    for properties in db.session.scalars(latest):
        if isinstance(properties, dict):
            seen.update(properties)
    first = declared()
    return [*first, *sorted(seen - set(first))]


def value_of(properties: dict[str, Any] | None, name: str) -> str:
    value = (properties or {}).get(name)
    return value[:MAX_VALUE] if isinstance(value, str) else ""


def values_of(properties: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The customer's value in each declared segment, as (segment, value) pairs."""
    return tuple((name, value_of(properties, name)) for name in declared())


def value_sql(name: str) -> Any:
    """SQL for ``value_of`` a customer row's property ``name`` (empty when there is none)."""
    text = Customer.properties[name].as_string()
    if db.session.get_bind().dialect.name == "sqlite":
        is_text = sa.func.json_type(Customer.properties, f'$."{name}"') == "text"
    else:
        is_text = sa.func.json_typeof(Customer.properties[name]) == "string"
    return sa.case((is_text, sa.func.substr(text, 1, MAX_VALUE)), else_="")


def properties_of(customers: set[int]) -> dict[int, dict[str, Any]]:
    """The properties of ``customers`` by id; empty when no segment is declared."""
    if not customers or not declared():
        return {}
    rows = db.session.execute(
        sa.select(Customer.id, Customer.properties).where(Customer.id.in_(customers))
    )
    return {customer_id: properties for customer_id, properties in rows}


def customer_filter(customer_id: Any, name: str, value: str, none: str) -> sa.ColumnElement[bool]:
    """Rows (by their ``customer_id`` column) whose customer's property ``name`` is ``value``;
    ``none`` as the value means "not set". A declared segment matches as its rollups count
    (no customer, or no text value, is none); any other property by its text."""
    if name in declared():
        prop = value_sql(name)
        if value != none:
            return customer_id.in_(sa.select(Customer.id).where(prop == value))
        return sa.or_(
            customer_id.is_(None), customer_id.in_(sa.select(Customer.id).where(prop == ""))
        )
    prop = Customer.properties[name].as_string()
    matches = prop.is_(None) if value == none else prop == value
    return customer_id.in_(sa.select(Customer.id).where(matches))
