"""Sinks: where events and data leave the pipeline (JSON lines, console, MQTT, recordings)."""
