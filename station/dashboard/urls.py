"""The dashboard's URLs; the project includes them at the root::

    path("", include("station.dashboard.urls")),   # station/urls.py, in place of the "" placeholder

They stay clear of ``api/`` (the control API) and ``static/``. Login lives at Django's default
``LOGIN_URL`` (``/accounts/login/``), so no setting is needed.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from station.dashboard import views, views_authorization, views_features, views_trace, views_transactions

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="station/login.html", next_page="dashboard:overview", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("trace/", views_trace.trace, name="trace"),
    path("trace/<int:pk>/", views_trace.trace_detail, name="trace-detail"),
    path("trace/export.jsonl", views_trace.trace_export, {"fmt": "jsonl"}, name="trace-export-jsonl"),
    path("trace/export.html", views_trace.trace_export, {"fmt": "html"}, name="trace-export-html"),
    path("configuration/", views.configuration, name="configuration"),
    path("configuration/<str:key>/", views.configuration_change, name="configuration-change"),
    path("authorization/", views_authorization.authorization, name="authorization"),
    path(
        "authorization/cache/clear/",
        views_authorization.authorization_cache_clear,
        name="authorization-cache-clear",
    ),
    path("authorization/local-list/add/", views_authorization.local_list_add, name="local-list-add"),
    path("authorization/local-list/edit/", views_authorization.local_list_edit, name="local-list-edit"),
    path("authorization/local-list/change/", views_authorization.local_list_change, name="local-list-change"),
    path("authorization/local-list/remove/", views_authorization.local_list_remove, name="local-list-remove"),
    path("charging-profiles/", views_features.charging_profiles, name="charging-profiles"),
    path("firmware/", views_features.firmware, name="firmware"),
    path("transactions/", views_transactions.transactions, name="transactions"),
    path("transactions/export.csv", views_transactions.transactions_csv, name="transactions-csv"),
    path("transactions/<int:pk>/", views_transactions.transaction_detail, name="transaction-detail"),
    path("simulator/", views.simulator, name="simulator"),
    path("simulator/<int:n>/<slug:action>/", views.simulator_action, name="simulator-action"),
]
