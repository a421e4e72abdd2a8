"""Strawberry's argument conversion, compiled once per argument list.

`strawberry.types.arguments.convert_arguments` turns the arguments graphql-core has coerced into
the Python values resolvers take (input dataclasses, `Some`, `GlobalID`...). It decides again on
every call what each type is: it resolves annotations, converts names and walks the type's
fields, which costs far more than building the values. `compile_arguments` takes those decisions
once, into a plan of small closures that builds the same values the same way (the same classes
called with the same keyword arguments, in the same order, and the same errors).

A type the plan does not know (an input with its own `from_input`, one strawberry cannot convert
either) keeps strawberry's own conversion for the argument that holds it, so a plan can be slower
for it but never gives another value.

`install` puts the plans where strawberry's resolvers call `convert_arguments`. Strawberry builds
the resolver of each field in a closure of `GraphQLCoreConverter.from_resolver` that looks the
function up by name in `strawberry.schema.schema_converter` on every call; that one name, with
strawberry's own signature, is the narrowest place to hook (a subclass of the converter would
have to copy the whole of `from_resolver`, and `Schema` builds its converter itself).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import GlobalID, GlobalIDValueError, InvalidGlobalIDError
from strawberry.scalars import is_scalar
from strawberry.schema import schema_converter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import arguments as strawberry_arguments
from strawberry.types.arguments import StrawberryArgument, convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.info import Info
from strawberry.types.lazy_type import LazyType
from strawberry.types.maybe import Some
from strawberry.types.unset import UNSET

# One value in, its Python value out; None where the value is kept as it is.
Converter = Callable[[Any], Any] | None
Registry = Mapping[object, Any]
Plan = Callable[[Mapping[str, Any], Info | None], dict[str, Any]]

# Plans of the schemas of this process, by the identity of what they were compiled from.
PLANS_MAX = 4096
_plans: dict[tuple[int, int, int], tuple[object, object, object, Plan]] = {}
_original = strawberry_arguments.convert_arguments


class Unplanned(Exception):
    """A type whose conversion stays strawberry's."""


def convert_arguments(
    value: dict[str, Any],
    arguments: list[StrawberryArgument],
    scalar_registry: Registry,
    config: StrawberryConfig,
    info: Info | None = None,
) -> dict[str, Any]:
    """`strawberry.types.arguments.convert_arguments`, through the plan of `arguments`."""
    key = (id(arguments), id(scalar_registry), id(config))
    entry = _plans.get(key)
    if (
        entry is None
        or entry[0] is not arguments
        or entry[1] is not scalar_registry
        or entry[2] is not config
    ):
        if len(_plans) >= PLANS_MAX:
            _plans.clear()
        entry = (arguments, scalar_registry, config,
                 compile_arguments(arguments, scalar_registry, config))  # fmt: skip
        _plans[key] = entry
    return entry[3](value, info)


def install() -> bool:
    """Has strawberry's resolvers convert through plans; False (and nothing done) when this
    strawberry does not look the function up where this module expects."""
    current = getattr(schema_converter, "convert_arguments", None)
    if current is convert_arguments:
        return True
    if current is not _original:
        return False
    schema_converter.convert_arguments = convert_arguments  # type: ignore[attr-defined]
    return True


def uninstall() -> None:
    """Puts strawberry's own conversion back, for measures side by side."""
    if getattr(schema_converter, "convert_arguments", None) is convert_arguments:
        schema_converter.convert_arguments = _original  # type: ignore[attr-defined]


def compile_arguments(
    arguments: list[StrawberryArgument], scalar_registry: Registry, config: StrawberryConfig
) -> Plan:
    """The plan that converts the values of `arguments` as `convert_arguments` does."""
    compiler = _Compiler(scalar_registry, config)
    steps: list[tuple[str, str, Converter, StrawberryType | type | None]] = []
    for argument in arguments:
        assert argument.python_name
        name = config.name_converter.from_argument(argument)
        type_ = argument.type
        try:
            steps.append((name, argument.python_name, compiler.compile(type_), None))
        except Exception:
            # Unplanned, or what strawberry raises for the type: its conversion will say it.
            # Inputs compiled on the way may hold the one left unfinished.
            compiler.inputs.clear()
            steps.append((name, argument.python_name, None, type_))
    planned = tuple(steps)

    def plan(value: Mapping[str, Any], info: Info | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for name, python_name, convert, unplanned in planned:
            if name in value:
                given = value[name]
                if unplanned is not None:
                    kwargs[python_name] = convert_argument(
                        given, unplanned, scalar_registry, config, info, path=(name,)
                    )
                else:
                    kwargs[python_name] = given if convert is None else convert(given)
        return kwargs

    return plan


def unplanned(
    arguments: list[StrawberryArgument], scalar_registry: Registry, config: StrawberryConfig
) -> list[str]:
    """The arguments whose conversion stays strawberry's, by their Python names."""
    compiler = _Compiler(scalar_registry, config)
    found = []
    for argument in arguments:
        try:
            compiler.compile(argument.type)
        except Exception:
            compiler.inputs.clear()
            found.append(argument.python_name)
    return found


class _Compiler:
    """The decisions of `convert_argument`, in its order, taken once per type."""

    def __init__(self, scalar_registry: Registry, config: StrawberryConfig) -> None:
        self.registry = scalar_registry
        self.config = config
        # Input types being or already compiled, so that recursive inputs end.
        self.inputs: dict[type, Callable[[Any], Any]] = {}

    def compile(self, type_: StrawberryType | type) -> Converter:
        if isinstance(type_, StrawberryMaybe):
            return self._maybe(type_)
        if isinstance(type_, StrawberryOptional):
            return self.compile(type_.of_type)
        if isinstance(type_, StrawberryList):
            return self._list(self.compile(type_.of_type))
        if self._leaf(type_):
            return _global_id if type_ is GlobalID else None
        if isinstance(type_, LazyType):
            return self.compile(type_.resolve_type())
        if has_enum_definition(type_):
            return self.compile(type_.__strawberry_definition__)
        if has_object_definition(type_):
            return self._input(type_)
        raise Unplanned(type_)

    def _leaf(self, type_: StrawberryType | type) -> bool:
        if is_scalar(type_, self.registry) or isinstance(type_, StrawberryEnumDefinition):
            return True
        return isinstance(type_, LazyType) and self._leaf(type_.resolve_type())

    def _maybe(self, type_: StrawberryMaybe) -> Converter:
        inner = type_.of_type
        convert = self.compile(inner)
        if isinstance(inner, StrawberryOptional):
            if convert is None:
                return Some
            return lambda value: Some(convert(value))
        name = getattr(inner, "__name__", str(inner))
        message = (
            f"Expected value of type '{name}', found null. "
            f"Field of type 'Maybe[{name}]' cannot be explicitly set to null. "
            f"Use 'Maybe[{name} | None]' if you need to allow null values."
        )

        def maybe(value: Any) -> Any:
            if value is None:
                raise StrawberryInputCoercionError(message)
            return Some(value if convert is None else convert(value))

        return maybe

    @staticmethod
    def _list(item: Converter) -> Converter:
        def items(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            # Copied even when kept: graphql-core hands every request the same default list.
            return list(value) if item is None else [item(each) for each in value]

        return items

    def _input(self, cls: type) -> Converter:
        if cls in self.inputs:
            return self.inputs[cls]
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        if definition.from_input is not None:
            raise Unplanned(cls)
        fields: list[tuple[str, str, Converter]] = []
        base = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        } if definition.is_input else {}  # fmt: skip

        def build(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            kwargs = base.copy()
            for graphql_name, python_name, convert in fields:
                if graphql_name in value:
                    given = value[graphql_name]
                    kwargs[python_name] = given if convert is None else convert(given)
            return cls(**kwargs)

        self.inputs[cls] = build
        for field in definition.fields:
            fields.append((
                self.config.name_converter.from_field(field),
                field.python_name,
                self.compile(field.resolve_type(type_definition=definition)),
            ))  # fmt: skip
        return build


def _global_id(value: Any) -> Any:
    if value is None or value is UNSET:
        return value
    try:
        return GlobalID.from_id(value)
    except GlobalIDValueError as error:
        raise InvalidGlobalIDError(f'Value cannot represent a GlobalID: "{value}".') from error
