"""Browser dashboard: a static page that subscribes to the MQTT topic tree over
WebSockets, and the small loopback HTTP server that hands it out. See docs/dashboard.md.

``server.py`` (``DashboardConfig``, ``DashboardServer``) is not imported here: the CLI
imports ``launch.py`` to build its parser, and http.server should load only when a
dashboard is served.
"""
