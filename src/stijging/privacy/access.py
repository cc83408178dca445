"""Deny by default, and every refusal leaves an audit event.

Used by every app's views: a missing object or one outside the user's scope is a 404 (its existence
does not leak); a page the role may not open is a 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import audit


def deny_not_found(request, object_type: str = "", object_id: str | int = "") -> Http404:
    audit.record_denied(actor=request.user, object_type=object_type, object_id=object_id, detail={"status": 404})
    return Http404()


def deny_forbidden(request, object_type: str = "", object_id: str | int = "") -> PermissionDenied:
    audit.record_denied(actor=request.user, object_type=object_type, object_id=object_id, detail={"status": 403})
    return PermissionDenied()


def login_required(view):
    """Anonymous visitors go to the login page; nothing else is decided here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: str):
    """The user must hold one of `roles` in some programme; else 403 (audited)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise deny_forbidden(request, object_type=f"view:{view.__name__}")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
