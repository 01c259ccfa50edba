"""Browser dashboard: a static page that subscribes to the MQTT topic tree over
WebSockets, and the small loopback HTTP server that hands it out. See docs/dashboard.md.
"""

from eccentric.app.dashboard.server import DashboardConfig, DashboardServer

__all__ = ["DashboardConfig", "DashboardServer"]
