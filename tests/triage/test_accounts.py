"""Accounts: roles tied to stations, districts or deputies; tokens stored hashed; who sees what."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.triage.factories import NOW, make_deputy, make_station
from triage.accounts import permissions, service
from triage.accounts.demo import ensure_demo_users
from triage.accounts.models import ApiToken, Role
from triage.errors import Conflict, InvalidInput


def test_token_is_shown_once_and_stored_only_as_a_hash(session):
    station = make_station(session, code="AA")
    user = service.create_user(session=session, username="zhao", role="intake", now=NOW, station_code="aa")
    token = service.create_token(session=session, user=user, now=NOW)
    stored = session.exec(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.prefix) and stored.token_hash == service.hash_token(token)
    p = service.authenticate(session=session, token=token, now=NOW)
    assert (p.role, p.station_ids) == (Role.INTAKE, frozenset({station.id}))
    service.revoke_token(session=session, prefix=stored.prefix, now=NOW)
    with pytest.raises(service.Unauthenticated):
        service.authenticate(session=session, token=token)
    with pytest.raises(service.Unauthenticated):
        service.authenticate(session=session, token=None)


def test_roles_need_their_place(session):
    make_station(session, code="BB", district="南岗区")
    with pytest.raises(InvalidInput):
        service.create_user(session=session, username="a", role="station_head", now=NOW)
    with pytest.raises(InvalidInput):
        service.create_user(session=session, username="b", role="supervisor", now=NOW, district="火星区")
    with pytest.raises(InvalidInput):
        service.create_user(session=session, username="c", role="deputy", now=NOW, deputy_code="NOPE")
    with pytest.raises(InvalidInput):
        service.create_user(session=session, username="d", role="wizard", now=NOW)
    service.create_user(session=session, username="e", role="supervisor", now=NOW, district="南岗区")
    with pytest.raises(Conflict):
        service.create_user(session=session, username="e", role="admin", now=NOW)


def test_original_text_only_for_station_staff_assigned_deputies_supervisors_and_admins(session):
    home, other = make_station(session, district="道里区"), make_station(session, district="南岗区")
    assigned = make_deputy(session, home, code="DA")
    make_deputy(session, home, code="DB")
    users = {
        "staff": service.create_user(session=session, username="s", role="intake", now=NOW, station_code=home.code),
        "other_staff": service.create_user(session=session, username="o", role="station_head", now=NOW,
                                           station_code=other.code),
        "assigned": service.create_user(session=session, username="a", role="deputy", now=NOW, deputy_code="DA"),
        "bystander": service.create_user(session=session, username="b", role="deputy", now=NOW, deputy_code="DB"),
        "supervisor": service.create_user(session=session, username="v", role="supervisor", now=NOW,
                                          district="道里区"),
        "admin": service.create_user(session=session, username="x", role="admin", now=NOW),
    }
    p = {k: service.principal_of(session=session, user=u) for k, u in users.items()}
    sees = {k: permissions.sees_original(v, station_id=home.id, assigned={assigned.id}) for k, v in p.items()}
    assert sees == {"staff": True, "other_staff": False, "assigned": True, "bystander": False,
                    "supervisor": True, "admin": True}
    assert permissions.can_view_case(p["bystander"], station_id=home.id, assigned={assigned.id})  # station queue
    assert not permissions.can_view_case(p["other_staff"], station_id=home.id, assigned=())
    with pytest.raises(service.Forbidden):
        permissions.require(p["bystander"], "resolve", station_id=home.id, assigned={assigned.id},
                            claimed_by=assigned.id)
    permissions.require(p["assigned"], "resolve", station_id=home.id, assigned={assigned.id}, claimed_by=assigned.id)
    with pytest.raises(service.Forbidden):
        permissions.require(p["staff"], "merge", station_id=home.id)
    with pytest.raises(service.Forbidden):
        permissions.require(p["supervisor"], "claim", station_id=home.id)


def test_demo_users_are_created_once(session):
    make_station(session, code="DL-FSSQ", district="道里区")
    make_deputy(session, code="D001")
    first = ensure_demo_users(session=session, now=NOW)
    assert {c.role for c in first} == {"接待员", "代表", "站长", "区人大", "管理员"}
    assert all(c.token.startswith("lt_") and c.password for c in first)
    assert ensure_demo_users(session=session, now=NOW) == []
    assert service.verify_password(first[0].password, service.hash_password(first[0].password))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("deputy_id", [None, 7])
def test_only_a_callers_own_assignments_can_change_what_it_sees(role, deputy_id):
    p = service.Principal(user_id=1, username="u", display_name="U", role=role, station_ids=frozenset({1}),
                          district="道里区", deputy_id=deputy_id)
    for station_id in (1, 2):
        views = {(permissions.sees_original(p, station_id=station_id, assigned=a),
                  permissions.can_view_case(p, station_id=station_id, assigned=a)) for a in ((), {7}, {8})}
        if not permissions.depends_on_assignments(p):  # the lookup may be skipped: nothing may depend on it
            assert len(views) == 1
    if role == Role.DEPUTY and deputy_id is not None:
        assert permissions.depends_on_assignments(p)
