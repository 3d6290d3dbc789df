"""Inputs read with pydantic and refused in our own words, for the API and the staff pages.

pydantic reads the shape of an input (nested objects, required and unknown fields, every
problem at once under its dotted location such as ``customer.email``) and describes it as JSON
Schema for the OpenAPI document. The field rules below are the part pydantic has no type for,
so they are written here: a JSON body is read strictly (``1.5``, ``"60"`` and ``true`` are not
whole numbers) while query-string values are text whose numbers are ASCII digits (``²`` and
``٣`` are not); blank strings count as absent; NUL characters are refused, since PostgreSQL
cannot store them; times need a UTC offset and a year our date arithmetic can reach; and each
problem is worded as our clients and pages have always been told it.

A rule knows an optional field from its type: ``Annotated[str | None, Text()]`` lets a blank or
missing value through as None; ``Annotated[str, Text()]`` is required.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from feedback_app.ingest.people import normalize_email
from feedback_app.web.guards.values import EARLIEST_DAY, LATEST_DAY
from feedback_app.web.guards.values import MAX_ID as MAX_INT

#: A BCP 47 language tag, loosely: ``fr``, ``pt-BR``, ``zh-Hant-TW``.
LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
DIGITS_RE = re.compile(r"[0-9]{1,18}")
#: Times and days outside these years are refused (see ``EARLIEST_DAY``).
FIRST_YEAR, LAST_YEAR = EARLIEST_DAY.year, LATEST_DAY.year
#: Set in the validation context when the values are query-string text.
FROM_TEXT = "from_text"
#: Marks a rule's core schema as that of an optional field.
OPTIONAL = "feedback_optional"
#: pydantic's own error types, in our words.
MESSAGES = {
    "extra_forbidden": "unknown field",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be an array",
}

M = TypeVar("M", bound="Input")


class InvalidInput(Exception):
    """An input with problems: ``errors`` maps each bad field's dotted name to what is wrong."""

    def __init__(self, message: str, errors: Mapping[str, str]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors)


def invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", "{message}", {"message": message})


class Input(BaseModel):
    """An input: unknown fields are ignored, and a null counts as a missing field."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    #: What a 422 says when this input has problems.
    invalid_message: ClassVar[str] = "some fields are missing or invalid"
    #: False where null means something (``owner: null`` unassigns a case).
    nulls_are_absent: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if cls.nulls_are_absent and isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def read_input(model: type[M], data: object, *, from_text: bool = False) -> M:
    """``data`` read as ``model``, or InvalidInput naming every bad field.

    ``from_text`` says the values are query-string text, so numbers and flags are parsed.
    """
    try:
        return model.model_validate(data, context={FROM_TEXT: from_text})
    except ValidationError as error:
        raise InvalidInput(model.invalid_message, field_errors(model, error)) from None


def field_errors(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """Each bad field's first problem, under its dotted name."""
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"])
        if item["type"] == "invalid":
            message = item["msg"]
        elif item["type"] == "missing":
            message = _rule_at(model, item["loc"]).missing()
        else:
            message = MESSAGES.get(item["type"], item["msg"])
        errors.setdefault(name, message)
    return errors


def _rule_at(model: type[BaseModel], location: tuple[int | str, ...]) -> Rule:
    """The rule of the field at ``location`` (``("customer", "email")``), if it has one."""
    field = None
    for part in location:
        field = model.model_fields.get(str(part))
        if field is None:
            break
        nested = [t for t in (field.annotation, *get_args(field.annotation)) if _is_model(t)]
        if nested:
            model = nested[0]
    rules = [item for item in (field.metadata if field else ()) if isinstance(item, Rule)]
    return rules[0] if rules else Rule()


def _is_model(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


class Rule:
    """A field type: ``read`` turns one non-null value into the field's value.

    ``read`` raises ``invalid(...)`` for a bad value and returns None for a blank one, which
    an optional field takes as absent and a required one refuses.
    """

    def read(self, value: object, from_text: bool) -> object:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def missing(self) -> str:
        """What a required field without a value is told."""
        return "is required"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        optional = type(None) in get_args(source)

        def validate(value: object, info: core_schema.ValidationInfo) -> object:
            if value is None:
                if optional:
                    return None
                raise invalid(self.missing())
            result = self.read(value, bool(info.context and info.context.get(FROM_TEXT)))
            if result is None and not optional:
                raise invalid("must not be blank")
            return result

        return core_schema.with_info_plain_validator_function(
            validate, metadata={OPTIONAL: optional}
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        own = self.json_schema()
        # A field validator wraps this rule's schema; the flag is on the rule's own.
        inner: Any = schema
        while OPTIONAL not in inner.get("metadata", {}) and "schema" in inner:
            inner = inner["schema"]
        if inner.get("metadata", {}).get(OPTIONAL):
            return {"anyOf": [own, {"type": "null"}]}
        return own


@dataclass(frozen=True)
class Text(Rule):
    """A string, stripped, of at most ``max_length`` characters; ``allow_int`` takes 42 as "42"."""

    max_length: int = 200
    allow_int: bool = False

    def read(self, value: object, from_text: bool) -> str | None:
        if self.allow_int and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise invalid("must be a string")
        value = value.strip()
        if not value:
            return None
        if "\x00" in value:
            raise invalid("must not contain NUL characters")
        if len(value) > self.max_length:
            raise invalid(f"must be at most {self.max_length} characters")
        return value

    def json_schema(self) -> dict[str, Any]:
        text = {"type": "string", "maxLength": self.max_length}
        if self.allow_int:
            return {"anyOf": [text, {"type": "integer"}]}
        return text


@dataclass(frozen=True)
class Email(Rule):
    """An email address, validated (syntax only, no DNS) and lower-cased."""

    def read(self, value: object, from_text: bool) -> str | None:
        text = Text(max_length=320).read(value, from_text)
        if text is None:
            return None
        try:
            return normalize_email(text)
        except ValueError as error:
            raise invalid(f"is not a valid email address: {error}") from None

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "email", "maxLength": 320}


@dataclass(frozen=True)
class Locale(Rule):
    """A BCP 47 language tag such as ``fr`` or ``pt-BR``."""

    def read(self, value: object, from_text: bool) -> str | None:
        text = Text(max_length=35).read(value, from_text)
        if text is not None and not LOCALE_RE.fullmatch(text):
            raise invalid("must be a language tag such as en, fr or pt-BR")
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": 35, "pattern": f"^{LOCALE_RE.pattern}$"}


@dataclass(frozen=True)
class WholeNumber(Rule):
    """A whole number from ``minimum`` to ``maximum``: in JSON an integer (not a float, a
    boolean or a string), in a query string ASCII digits."""

    minimum: int = 0
    maximum: int = MAX_INT

    def read(self, value: object, from_text: bool) -> int:
        kind = "a positive whole number" if self.minimum == 1 else "a whole number"
        if from_text and isinstance(value, str):
            text = value.strip()
            if not text.isascii() or not text.isdigit():
                raise invalid(f"must be {kind}")
            # Past 18 digits it is out of range anyway; int() of thousands of digits is slow.
            value = int(text) if DIGITS_RE.fullmatch(text) else self.maximum + 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"must be {kind}")
        if value < self.minimum == 1:
            raise invalid(f"must be {kind}")
        if not self.minimum <= value <= self.maximum:
            raise invalid(f"must be between {self.minimum} and {self.maximum}")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Number(Rule):
    """A finite number: in JSON an integer or a float (not a boolean or a string), in a query
    string or a form decimal text."""

    def read(self, value: object, from_text: bool) -> float:
        if from_text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise invalid("must be a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid("must be a number")
        if not math.isfinite(value):
            raise invalid("must be a finite number")
        return float(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "number"}


@dataclass(frozen=True)
class Flag(Rule):
    """``true`` or ``false``; in a query string also ``1``/``0`` and ``yes``/``no``."""

    TEXT: ClassVar[dict[str, bool]] = {
        "true": True,
        "1": True,
        "yes": True,
        "false": False,
        "0": False,
        "no": False,
    }

    def read(self, value: object, from_text: bool) -> bool | None:
        if from_text and isinstance(value, str):
            if not value.strip():
                return None
            value = self.TEXT.get(value.strip().lower(), value)
        if isinstance(value, bool):
            return value
        raise invalid("must be true or false")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Choice(Rule):
    """One of ``options``, exactly (``CSAT`` is not ``csat``); an enum member for an enum."""

    options: type[Enum] | tuple[str, ...]

    def values(self) -> list[str]:
        return [str(option) for option in self.options]

    def missing(self) -> str:
        return "is required: one of " + ", ".join(self.values())

    def read(self, value: object, from_text: bool) -> object:
        if isinstance(value, str) and value in self.values():
            return value if isinstance(self.options, tuple) else self.options(value)
        raise invalid("must be one of " + ", ".join(self.values()))

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": self.values()}


@dataclass(frozen=True)
class Choices(Rule):
    """One or more of an enum's values, comma-separated (``status=open,in_progress``)."""

    options: type[Enum]

    def read(self, value: object, from_text: bool) -> frozenset[Enum] | None:
        names = [str(member.value) for member in self.options]
        parts = [part.strip() for part in value.split(",")] if isinstance(value, str) else None
        if parts is None or not set(filter(None, parts)) <= set(names):
            raise invalid("must be one or more of " + ", ".join(names))
        return frozenset(self.options(part) for part in parts if part) or None

    def json_schema(self) -> dict[str, Any]:
        values = [str(member.value) for member in self.options]
        return {"type": "array", "items": {"type": "string", "enum": values}}


@dataclass(frozen=True)
class Labels(Rule):
    """A JSON array of at most ``max_items`` strings (``Text``), blanks dropped, e.g. a
    ticket's tags."""

    max_items: int = 100

    def read(self, value: object, from_text: bool) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise invalid("must be an array of strings")
        if len(value) > self.max_items:
            raise invalid(f"must hold at most {self.max_items} items")
        try:
            labels = [Text().read(item, from_text) for item in value]
        except PydanticCustomError as error:
            raise invalid(f"each item {error.message()}") from None
        return tuple(label for label in labels if label is not None)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": self.max_items, "items": Text().json_schema()}


def _in_calendar(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


@dataclass(frozen=True)
class Timestamp(Rule):
    """An ISO 8601 date-time with a UTC offset (``Z`` or ``+02:00``), returned in UTC.

    A time without an offset is refused: guessing its zone would shift every metric.
    """

    EXAMPLE: ClassVar[str] = "2026-03-02T09:00:00Z"

    def read(self, value: object, from_text: bool) -> datetime:
        if not isinstance(value, str):
            raise invalid("must be an ISO 8601 date-time string")
        text = value.strip()
        if "\x00" in text:
            raise invalid("must not contain NUL characters")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            # "…T09:00:00 01:00" is what a URL's unescaped "+01:00" becomes.
            hint = " (in a URL, write + as %2B)" if " " in text else ""
            raise invalid(f"must be an ISO 8601 date-time such as {self.EXAMPLE}{hint}") from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise invalid(f"must include a UTC offset, such as {self.EXAMPLE} or +01:00")
        try:
            moment = parsed.astimezone(UTC)
        except OverflowError:
            moment = None
        if moment is None or not _in_calendar(moment):
            raise invalid(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
        return moment

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "format": "date-time",
            "description": f"With a UTC offset; years {FIRST_YEAR} to {LAST_YEAR}.",
        }


@dataclass(frozen=True)
class Day(Rule):
    """A calendar date such as ``2026-03-02``."""

    def read(self, value: object, from_text: bool) -> date | None:
        if isinstance(value, str) and not value.strip():
            return None
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            raise invalid("must be a date such as 2026-03-02")
        if not _in_calendar(day):
            raise invalid(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
        return day

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(_has_nul, value))
    return False


@dataclass(frozen=True)
class Properties(Rule):
    """A JSON object of at most ``max_bytes`` once serialised, with no NUL and no infinity."""

    max_bytes: int = 16384

    def read(self, value: object, from_text: bool) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid("must be an object")
        if _has_nul(value):
            raise invalid("must not contain NUL characters")
        try:
            size = len(json.dumps(value, allow_nan=False).encode())
        except ValueError:
            raise invalid("must hold only finite numbers") from None
        if size > self.max_bytes:
            raise invalid(f"must be at most {self.max_bytes} bytes of JSON")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "description": f"At most {self.max_bytes} bytes of JSON."}
