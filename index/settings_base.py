"""Settings: one validated object of nested groups, built once at the edge and passed down.

`GroupedSettings` is the machinery (pydantic-settings, env prefix `CITEWISE_`); `IndexSettings` holds the index
layer's groups, `rag.settings.Settings` adds retrieval, answering, checks and the LLM, `ui.settings.AppSettings`
the server. Every group forbids unknown fields, so a typo fails loudly.

Each leaf also has one flat name, the name it had before the groups (`top_k` for `retrieval.top_k`), kept
working in one table per layer (`FLAT_NAMES`, merged by `flat_names()`):
- the environment: `CITEWISE_TOP_K=7` (the flat name) or `CITEWISE_RETRIEVAL__TOP_K=7` (group and field);
- keyword arguments: `Settings(store=..., top_k=3)` as well as `Settings(retrieval={"top_k": 3})`.
Arguments win over the environment, the environment over the defaults; one leaf set twice at the same level
(`top_k=3, retrieval={"top_k": 4}`, or both environment forms) is refused, naming both.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "CITEWISE_"
NESTED_DELIMITER = "__"


class Group(BaseModel):
    """One group of settings: immutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _invalid(title: str, message: str, loc: tuple = (), value: Any = None) -> ValidationError:
    """A pydantic ValidationError with one message, so that callers catch settings errors one way."""
    error = {"type": "value_error", "loc": loc, "input": value, "ctx": {"error": ValueError(message)}}
    return ValidationError.from_exception_data(title, [error])


def _merge(base: Mapping, update: Mapping) -> dict:
    """`base` with `update` laid over it, group by group."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _EnvironmentSource(PydanticBaseSettingsSource):
    """`CITEWISE_<FLAT_NAME>` and `CITEWISE_<GROUP>__<FIELD>` variables, as nested values."""

    def get_field_value(self, field, field_name):  # required by the base class; __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.settings_cls.from_environment(os.environ)  # type: ignore[attr-defined]


class GroupedSettings(BaseSettings):
    """Settings made of groups (fields whose type is a `Group`), each leaf also reachable by its flat name."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    FLAT_NAMES: ClassVar[dict[str, str]] = {}
    """This layer's part of the table: old flat name -> "group.field" (or "field" for a top-level one)."""

    _given: dict[str, Any] = PrivateAttr(default_factory=dict)
    """What was given (arguments and environment, nested) before any profile: `updated` starts from it."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**type(self).nest(values))

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments, then the environment read through the flat-name table (pydantic-settings' own environment
        # source would read CITEWISE_LLM as the JSON of the whole `llm` group).
        return init_settings, _EnvironmentSource(settings_cls)

    # -- the table
    @classmethod
    def flat_names(cls) -> dict[str, str]:
        """Every flat name of this class (its layers' tables together) -> "group.field" or "field"."""
        table: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            table.update(vars(klass).get("FLAT_NAMES", {}))
        return table

    @classmethod
    def groups(cls) -> dict[str, type[Group]]:
        """The group fields of this class and their types."""
        return {
            name: field.annotation
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, Group)
        }

    @classmethod
    def nest(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments with flat names routed into their groups; a group given as a model becomes the dict
        of what was set on it. An unknown name, or one leaf given twice, is refused with the valid names."""
        table, groups = cls.flat_names(), cls.groups()
        nested: dict[str, Any] = {}
        flat: list[tuple[str, Any]] = []
        for key, value in data.items():
            if key in groups and (key not in table or isinstance(value, (Mapping, BaseModel))):
                if isinstance(value, BaseModel):
                    value = value.model_dump(exclude_unset=True)
                nested[key] = dict(value) if isinstance(value, Mapping) else value
            elif key.startswith("_") or (key in cls.model_fields and key not in groups):
                nested[key] = value  # a top-level field, or one of pydantic-settings' own _arguments
            else:
                flat.append((key, value))
        for key, value in flat:
            path = table.get(key)
            if path is None:
                close = difflib.get_close_matches(key, list(table), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _invalid(
                    cls.__name__,
                    f"unknown setting {key!r}{hint}; the settings are the groups {', '.join(groups)} and the names "
                    f"{', '.join(sorted(table))}",
                    (key,),
                    value,
                )
            group, _, field = path.partition(".")
            if not field:
                nested[group] = value
                continue
            target = nested.setdefault(group, {})
            if not isinstance(target, dict):
                raise _invalid(cls.__name__, f"{group} must be a mapping of its fields", (group,), target)
            if field in target:
                raise _invalid(cls.__name__, f"{path} is given twice: as {key!r} and in {group!r}", (key,), value)
            target[field] = value
        return nested

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """The settings the environment sets, nested: `CITEWISE_TOP_K` and `CITEWISE_RETRIEVAL__TOP_K` alike
        (case-insensitive). Variables of the prefix that name no setting (CITEWISE_DEBUG) are left alone."""
        prefix = cls.model_config.get("env_prefix", ENV_PREFIX).upper()
        env = {key.upper(): value for key, value in environ.items() if key.upper().startswith(prefix)}
        nested: dict[str, Any] = {}
        source: dict[str, str] = {}  # "group.field" -> the variable that set it
        for name, path in cls.flat_names().items():
            variable = prefix + name.upper()
            if variable in env:
                group, _, field = path.partition(".")
                if field:
                    nested.setdefault(group, {})[field] = env[variable]
                else:
                    nested[group] = env[variable]
                source[path] = variable
        for group in cls.groups():
            start = f"{prefix}{group.upper()}{NESTED_DELIMITER}"
            for variable, value in env.items():
                if variable.startswith(start):
                    field = variable[len(start) :].lower()
                    path = f"{group}.{field}"
                    if path in source:
                        raise _invalid(
                            cls.__name__, f"{path} is set twice: by {source[path]} and {variable}", (variable,), value
                        )
                    nested.setdefault(group, {})[field] = value
                    source[path] = variable
        return nested

    # -- building
    @model_validator(mode="wrap")
    @classmethod
    def _resolve(cls, data: Any, handler):
        if isinstance(data, cls) or not isinstance(data, Mapping):
            return handler(data)
        given = cls.nest(data)
        settings = handler(cls.with_profile(given))
        settings._given = given
        return settings

    @classmethod
    def with_profile(cls, given: dict[str, Any]) -> dict[str, Any]:
        """The values to validate: `given` with the defaults its profile sets (none at this layer)."""
        return given

    def updated(self, **changes: Any) -> GroupedSettings:
        """A new, validated settings object: what these were built from, with `changes` (flat names or groups)
        laid over it. A profile's values are worked out again; the environment is not read again."""
        return type(self).model_validate(_merge(self._given, type(self).nest(changes)))

    @classmethod
    def describe(cls, loc: tuple | str) -> str:
        """A validation error's location for a person: "retrieval.top_k (CITEWISE_TOP_K)"."""
        path = loc if isinstance(loc, str) else ".".join(map(str, loc))
        flat = next((name for name, leaf in cls.flat_names().items() if leaf == path), None)
        if flat is None:
            return path or "settings"
        return f"{path} ({cls.model_config.get('env_prefix', ENV_PREFIX)}{flat.upper()})"

    @classmethod
    def leaf_paths(cls) -> list[str]:
        """Every leaf setting as "group.field" (or "field"), in declaration order."""
        groups = cls.groups()
        paths = []
        for name in cls.model_fields:
            if name in groups:
                paths += [f"{name}.{field}" for field in groups[name].model_fields]
            else:
                paths.append(name)
        return paths
