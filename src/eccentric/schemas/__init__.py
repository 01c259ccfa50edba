"""JSON Schemas of every MQTT payload and the AsyncAPI 3.0 document that ties them to
topics, shipped as package data so code, tests and users read the same contract."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_FILES = (
    "envelope.schema.json",
    "rep.schema.json",
    "hold.schema.json",
    "bout.schema.json",
    "set.schema.json",
    "alert.schema.json",
    "rest.schema.json",
    "live.schema.json",
    "recent.schema.json",
    "status.schema.json",
    "imu.schema.json",
    "bridge_state.schema.json",
    "command.schema.json",
    "command_result.schema.json",
)
ASYNCAPI_FILE = "asyncapi.yaml"


def read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_text(name))
    return data


@cache
def registry() -> Registry[Any]:
    """All schemas by their ``$id``, so relative ``$ref``s between files resolve offline."""
    pairs = [(load(n)["$id"], Resource.from_contents(load(n))) for n in SCHEMA_FILES]
    return Registry().with_resources(pairs)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry())
