"""Error types shared by every stage, so the CLI can print one clear line per failure."""


class EccentricError(Exception):
    """Base class: a user-facing problem with input, configuration or a device."""


class InputFormatError(EccentricError):
    """A file, packet or row does not have the expected layout.

    The message names the source (file and line, or device and packet) where known.
    """


class UnitError(EccentricError):
    """Values do not look like the unit they were declared in (e.g. g given as m/s²)."""


class DeliveryError(EccentricError):
    """Events could not be delivered: e.g. the MQTT broker could not be reached."""


class CommandRejected(EccentricError):
    """A well-formed coach command the session cannot apply now (e.g. ``stop_set`` with
    no set open, ``next_block`` without a plan); the session is left unchanged."""
