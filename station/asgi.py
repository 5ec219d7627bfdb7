"""ASGI entry point: Django for HTTP, Channels for browser websockets (STACK.md §3)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "station.settings")
# Django must be set up before anything imports models or consumers.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from station.remote import install_web_controller  # noqa: E402

# Split deployment (STATION_CHANNEL_LAYER=redis): the control API forwards to the OCPP worker.
install_web_controller()

from station.dashboard.routing import websocket_urlpatterns as dashboard_websockets  # noqa: E402

#: Browser websocket routes: the dashboard's live updates.
websocket_urlpatterns: list[object] = [*dashboard_websockets]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
