"""``eccentric demo``: simulated athletes replayed in real time into an embedded broker,
watched through the web dashboard. See :mod:`eccentric.app.commands.demo`."""
