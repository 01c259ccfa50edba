"""Brokers eccentric can run itself (so a newcomer needs none installed)."""
