"""Check MQTT messages against the shipped AsyncAPI document and JSON Schemas."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from eccentric.schemas import ASYNCAPI_FILE, read_text, validator


@dataclass(frozen=True)
class Channel:
    name: str
    pattern: re.Pattern[str]
    schema_file: str
    qos: int
    retain: bool | None
    action: str


@cache
def asyncapi() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(read_text(ASYNCAPI_FILE))
    return doc


def _resolve(ref: str) -> Any:
    node: Any = asyncapi()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@cache
def channels() -> list[Channel]:
    doc = asyncapi()
    ops = {op["channel"]["$ref"].split("/")[-1]: op for op in doc["operations"].values()}
    out = []
    for name, ch in doc["channels"].items():
        # {base} may span levels; other parameters are exactly one level.
        regex = re.escape(ch["address"]).replace(r"\{base\}", "(?P<base>.+?)")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        (msg_ref,) = [m["$ref"] for m in ch["messages"].values()]
        message = _resolve(msg_ref)
        binding = ops[name].get("bindings", {}).get("mqtt", {})
        out.append(Channel(name, re.compile(f"^{regex}$"),
                           message["payload"]["$ref"].removeprefix("./"),
                           binding.get("qos", 0), binding.get("retain"), ops[name]["action"]))
    return out


def channel_for(topic: str, base: str = "eccentric") -> Channel:
    matches = [c for c in channels()
               if (m := c.pattern.match(topic)) and m.group("base") == base]
    # command/result also matches {athlete}/command only if athlete had a '/', which
    # sanitising forbids, so more than one match is a contract bug.
    assert len(matches) == 1, f"{topic}: matched {[c.name for c in matches]}"
    return matches[0]


def validate(topic: str, payload: bytes, base: str = "eccentric") -> Any:
    """Validate one message; returns the decoded payload (str for text payloads)."""
    ch = channel_for(topic, base)
    schema = validator(ch.schema_file)
    value: Any = (payload.decode() if schema.schema.get("type") == "string"
                  else json.loads(payload))
    errors = sorted(schema.iter_errors(value), key=lambda e: list(e.path))
    assert not errors, f"{topic}: {[e.message for e in errors][:5]} in {value!r}"[:2000]
    return value
