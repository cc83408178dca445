"""Reads of accounts for the configuration screens and the role-request page."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Membership, Role, RoleRequest, RoleRequestStatus, User


def programme_ids_administered_by(user: User) -> set[int] | None:
    """The programmes `user` administers; None for a superuser (all of them)."""
    if user.is_superuser:
        return None
    return user.programme_ids_with({Role.ADMIN})


def users_administered_by(user: User) -> QuerySet[User]:
    """Users with a role or a pending role request in one of the admin's programmes, and the
    accounts the admin made that hold no role anywhere yet. Superusers stay out of an admin's reach."""
    programme_ids = programme_ids_administered_by(user)
    if programme_ids is None:
        return User.objects.all()
    in_programmes = Membership.objects.filter(programme_id__in=programme_ids).values("user_id")
    requested = RoleRequest.objects.filter(programme_id__in=programme_ids, status=RoleRequestStatus.PENDING).values(
        "user_id"
    )
    anywhere = Membership.objects.values("user_id")
    return User.objects.filter(is_superuser=False).filter(
        Q(pk__in=in_programmes) | Q(pk__in=requested) | (Q(created_by=user) & ~Q(pk__in=anywhere))
    )


def works_only_where_administered(admin: User, user: User) -> bool:
    """Whether every role of `user` lies in the admin's programmes: only then may the admin change
    who the user is (e-mail, name, organisation, active). An e-mail change elsewhere would let the
    admin reset the password of someone who works in a programme they do not administer."""
    programme_ids = programme_ids_administered_by(admin)
    if programme_ids is None:
        return True
    if user.is_superuser:
        return False
    return not Membership.objects.filter(user=user).exclude(programme_id__in=programme_ids).exists()


def role_requests_for_decider(user: User) -> QuerySet[RoleRequest]:
    """Pending requests of the programmes where `user` is admin or privacy officer."""
    pending = RoleRequest.objects.filter(status=RoleRequestStatus.PENDING).select_related(
        "user", "programme", "requested_by"
    )
    if user.is_superuser:
        return pending
    return pending.filter(programme_id__in=user.programme_ids_with({Role.ADMIN, Role.PRIVACY_OFFICER}))


def role_request_for_decider(user: User, pk: int) -> RoleRequest | None:
    """One pending request, if it is of a programme where `user` decides (else it does not exist
    for them)."""
    return role_requests_for_decider(user).filter(pk=pk).first()
