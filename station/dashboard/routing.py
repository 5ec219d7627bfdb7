"""The dashboard's websocket route; ``station/asgi.py`` adds it to the project's routes::

    from station.dashboard.routing import websocket_urlpatterns as dashboard_websockets
    websocket_urlpatterns: list[object] = [*dashboard_websockets]

(after ``get_asgi_application()``; the router wraps it in ``AuthMiddlewareStack``, which the
consumer needs for the session user, and ``AllowedHostsOriginValidator``).
"""

from __future__ import annotations

from django.urls import URLPattern, path

from station.dashboard.consumers import DashboardConsumer

websocket_urlpatterns: list[URLPattern] = [path("ws/dashboard/", DashboardConsumer.as_asgi())]
