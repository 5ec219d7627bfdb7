"""The operator dashboard: login-protected pages, htmx fragments and live updates over a websocket.

A Django app (label ``dashboard``) inside the ``station`` project. Pages read the database and the
running :class:`~station.station.Station`; actions go through the same controller methods as the
control API; the station publishes its state to the channel-layer group :data:`live.GROUP` and
:mod:`.consumers` pushes fragments to the browsers.
"""
