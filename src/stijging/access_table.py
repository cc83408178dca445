"""The declarative access table: URL name × role × own/foreign object → allowed, and what it audits.

One test (tests/test_access_table.py) walks every URL pattern of the project against this table for
all seven roles, a user without membership and an anonymous visitor. A URL without a row fails it.

Columns
  url       the exact URL name — third-party pages too (allauth, the admin site), one row each, so
            that a page a new version of a package adds has no row until someone decides on it
  object    what the URL points at: programme, area, street, address, household, person, consent,
            legalground, conversation, interview (a section of one), proposal, trajectory, action
            (of a trajectory), referral, referredperson (a person as a partner sees them, through
            a referral to their organisation: own = the own site's adult, referred to the partner's
            organisation; foreign = the foreign site's adult, referred to another partner),
            activity, participant, hours (one entry of a volunteer's hours), wave (of the neighbourhood
            track), subjectrequest (a data-subject request, issue 13), any
            (dummy arguments for third-party URLs) or - (no object)
  anon      login = sent to the login page; yes = public
  none      a logged-in user without any programme membership
  roles     fieldworker case_manager partner coordinator manager admin privacy_officer
  audits    the audit action a permitted GET writes (view, list, search) or no (the privacy desk's
            export downloads audit `export` only when an export exists: tests/privacy/test_desk.py)

Cells
  own  allowed on an object of the user's own programme; an object of another programme is a 404
  yes  allowed (no object, or an object that belongs to no programme)
  -    refused: 404 for objects (existence does not leak), 403 for pages; every refusal is audited
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("fieldworker", "case_manager", "partner", "coordinator", "manager", "admin", "privacy_officer")
COLUMNS = ("anon", "none", *ROLES)

TABLE = """
# url                               object       anon   none fieldw case_m partnr coord  managr admin  privo  audits
home                                -            login  yes  yes    yes    yes    yes    yes    yes    yes    no
health                              -            yes    yes  yes    yes    yes    yes    yes    yes    yes    no
set_language                        -            yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_change_password             any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_confirm_email               any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_confirm_login_code          any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_email                       any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_email_verification_sent     any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_inactive                    any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_login                       any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_logout                      any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_reauthenticate              any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_reset_password              any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_reset_password_done         any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_reset_password_from_key     any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_reset_password_from_key_done any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_set_password                any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
account_signup                      any          yes    yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_activate_totp                   any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_authenticate                    any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_deactivate_totp                 any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_download_recovery_codes         any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_generate_recovery_codes         any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_index                           any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_invitation                      any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_invitation_needed               any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_reauthenticate                  any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
mfa_view_recovery_codes             any          login  yes  yes    yes    yes    yes    yes    yes    yes    no
monitoring:programme                programme    login  -    own    own    own    own    own    own    own    no
monitoring:cohesion                 programme    login  -    -      -      -      own    own    -      -      no
monitoring:turnover                 programme    login  -    -      -      -      own    own    -      -      no
monitoring:housing                  programme    login  -    -      -      -      -      own    -      -      no
monitoring:housing_xlsx             programme    login  -    -      -      -      -      own    -      -      export
monitoring:report_pdf               programme    login  -    -      -      -      -      own    -      -      export
monitoring:report_xlsx              programme    login  -    -      -      -      -      own    -      -      export
cohesion:activities                 programme    login  -    -      -      -      own    -      -      -      no
cohesion:activity_create            programme    login  -    -      -      -      own    -      -      -      no
cohesion:series_create              programme    login  -    -      -      -      own    -      -      -      no
cohesion:participants               programme    login  -    -      -      -      own    -      -      -      list
cohesion:participant_create         programme    login  -    -      -      -      own    -      -      -      no
cohesion:waves                      programme    login  -    -      -      -      own    -      -      -      no
cohesion:activity                   activity     login  -    -      -      -      own    -      -      -      view
cohesion:attendance                 activity     login  -    -      -      -      own    -      -      -      no
cohesion:participant                participant  login  -    -      -      -      own    -      -      -      view
cohesion:hours_add                  participant  login  -    -      -      -      own    -      -      -      no
cohesion:hours_edit                 hours        login  -    -      -      -      own    -      -      -      no
cohesion:participant_link           participant  login  -    -      -      -      own    -      -      -      view
cohesion:wave                       wave         login  -    -      -      -      own    -      -      -      no
registry:area_import                area         login  -    -      -      -      -      -      own    -      no
registry:people_import              area         login  -    -      -      -      -      -      own    -      no
registry:search                     -            login  -    yes    yes    -      -      -      -      -      search
registry:household_create           address      login  -    own    own    -      -      -      -      -      no
registry:household                  household    login  -    own    own    -      -      -      -      -      view
registry:household_edit             household    login  -    own    own    -      -      -      -      -      view
registry:household_move             household    login  -    own    own    -      -      -      -      -      view
registry:member_add                 household    login  -    own    own    -      -      -      -      -      view
registry:person                     person       login  -    own    own    -      -      -      -      -      view
registry:person_edit                person       login  -    own    own    -      -      -      -      -      view
registry:consent_create             person       login  -    own    own    -      -      -      -      -      no
registry:consent_withdraw           consent      login  -    own    own    -      -      -      -      -      view
conversations:start                 household    login  -    own    own    -      -      -      -      -      view
conversations:conversation          conversation login  -    own    own    -      -      -      -      -      view
conversations:interview_section     interview    login  -    own    own    -      -      -      -      -      no
conversations:housing               conversation login  -    own    own    -      -      -      -      -      no
conversations:member_add            conversation login  -    own    own    -      -      -      -      -      view
conversations:meldcode              conversation login  -    own    own    -      -      -      -      -      view
conversations:proposals             -            login  -    yes    yes    -      -      -      -      -      list
trajectories:open                   person       login  -    own    own    -      -      -      -      -      view
trajectories:open_from_proposal     proposal     login  -    own    own    -      -      -      -      -      view
trajectories:trajectory             trajectory   login  -    own    own    -      -      -      -      -      view
trajectories:transition             trajectory   login  -    -      own    -      -      -      -      -      no
trajectories:goal_add               trajectory   login  -    -      own    -      -      -      -      -      no
trajectories:action_add             trajectory   login  -    -      own    -      -      -      -      -      no
trajectories:note_add               trajectory   login  -    -      own    -      -      -      -      -      no
trajectories:action_status          action       login  -    -      own    -      -      -      -      -      no
trajectories:measurement            person       login  -    -      own    -      -      -      -      -      view
trajectories:timeline               person       login  -    own    own    -      -      -      -      -      view
trajectories:caseload               -            login  -    -      yes    -      -      -      -      -      list
trajectories:hand_over              -            login  -    -      yes    -      -      -      -      -      list
referrals:send                      trajectory   login  -    -      own    -      -      -      -      -      view
referrals:inbox                     -            login  -    -      -      yes    -      -      -      -      list
referrals:referral                  referral     login  -    own    own    own    -      -      -      -      view
referrals:respond                   referral     login  -    -      -      own    -      -      -      -      no
referrals:outcome                   referral     login  -    -      -      own    -      -      -      -      no
referrals:withdraw                  referral     login  -    -      own    -      -      -      -      -      no
referrals:withdrawal_undo           referral     login  -    -      own    -      -      -      -      -      no
referrals:assign                    referral     login  -    -      -      own    -      -      -      -      no
referrals:person                    referredperson login -  -      -      own    -      -      -      -      view
outreach:area                       area         login  -    own    own    -      own    -      own    -      no
outreach:street                     street       login  -    own    own    -      -      -      -      -      list
outreach:walking_list               street       login  -    own    own    -      -      -      -      -      list
outreach:walking_list_pdf           street       login  -    own    own    -      -      -      -      -      export
outreach:household                  household    login  -    own    own    -      -      -      -      -      view
outreach:attempt_create             household    login  -    own    own    -      -      -      -      -      no
outreach:appointment_create         household    login  -    own    own    -      -      -      -      -      no
outreach:appointment_status         appointment  login  -    own    own    -      -      -      -      -      no
outreach:address_note               address      login  -    own    own    -      -      -      -      -      no
outreach:agenda                     -            login  -    yes    yes    -      -      -      -      -      list
privacy:audit_log                   -            login  -    -      -      -      -      -      -      yes    list
privacy:legal_grounds               -            login  -    -      -      -      -      -      -      yes    no
privacy:legal_ground_create         -            login  -    -      -      -      -      -      -      yes    no
privacy:legal_ground_edit           legalground  login  -    -      -      -      -      -      -      yes    no
accounts:role_requests              -            login  -    -      -      -      -      -      yes    yes    no
privacy:desk                        -            login  -    -      -      -      -      -      -      yes    list
privacy:lookup                      -            login  -    -      -      -      -      -      -      yes    search
privacy:person                      person       login  -    -      -      -      -      -      -      own    view
privacy:request_create              person       login  -    -      -      -      -      -      -      own    view
privacy:access_log                  person       login  -    -      -      -      -      -      -      own    view
privacy:access_log_pdf              person       login  -    -      -      -      -      -      -      own    export
privacy:request                     subjectrequest login -  -      -      -      -      -      -      own    view
privacy:request_extend              subjectrequest login -  -      -      -      -      -      -      own    no
privacy:request_close               subjectrequest login -  -      -      -      -      -      -      own    no
privacy:export_create               subjectrequest login -  -      -      -      -      -      -      own    no
privacy:export_pdf                  subjectrequest login -  -      -      -      -      -      -      own    no
privacy:export_json                 subjectrequest login -  -      -      -      -      -      -      own    no
privacy:erasure_decide              subjectrequest login -  -      -      -      -      -      -      own    no
privacy:restriction_place           subjectrequest login -  -      -      -      -      -      -      own    no
privacy:restriction_lift            subjectrequest login -  -      -      -      -      -      -      own    no
privacy:rectify                     subjectrequest login -  -      -      -      -      -      -      own    view
privacy:retention                   -            login  -    -      -      -      -      -      -      yes    no
beheer:accounts_organisation_add    any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_organisation_change any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_organisation_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_organisation_delete any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_organisation_history any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_outgoingemail_add   any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_outgoingemail_change any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_outgoingemail_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_outgoingemail_delete any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_outgoingemail_history any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_user_add            any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_user_change         any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_user_changelist     any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_user_delete         any          login  -    -      -      -      -      -      yes    -      no
beheer:accounts_user_history        any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_add            any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_change         any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_changelist     any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_delete         any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_history        any          login  -    -      -      -      -      -      yes    -      no
beheer:api_apiclient_revoke         any          login  -    -      -      -      -      -      yes    -      no
beheer:app_list                     any          login  -    -      -      -      -      -      yes    -      no
beheer:autocomplete                 any          login  -    -      -      -      -      -      yes    -      no
beheer:cohesion_activitykind_add    any          login  -    -      -      -      -      -      yes    -      no
beheer:cohesion_activitykind_change any          login  -    -      -      -      -      -      yes    -      no
beheer:cohesion_activitykind_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:cohesion_activitykind_delete any          login  -    -      -      -      -      -      yes    -      no
beheer:cohesion_activitykind_history any          login  -    -      -      -      -      -      yes    -      no
beheer:instruments_instrumentversion_add any          login  -    -      -      -      -      -      yes    -      no
beheer:instruments_instrumentversion_change any          login  -    -      -      -      -      -      yes    -      no
beheer:instruments_instrumentversion_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:instruments_instrumentversion_delete any          login  -    -      -      -      -      -      yes    -      no
beheer:instruments_instrumentversion_history any          login  -    -      -      -      -      -      yes    -      no
beheer:index                        any          login  -    -      -      -      -      -      yes    -      no
beheer:jsi18n                       any          login  -    -      -      -      -      -      yes    -      no
beheer:login                        any          login  -    -      -      -      -      -      yes    -      no
beheer:logout                       any          login  -    -      -      -      -      -      yes    -      no
beheer:password_change              any          login  -    -      -      -      -      -      yes    -      no
beheer:password_change_done         any          login  -    -      -      -      -      -      yes    -      no
beheer:privacy_retentionpolicy_add  any          login  -    -      -      -      -      -      yes    -      no
beheer:privacy_retentionpolicy_change any          login  -    -      -      -      -      -      yes    -      no
beheer:privacy_retentionpolicy_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:privacy_retentionpolicy_delete any          login  -    -      -      -      -      -      yes    -      no
beheer:privacy_retentionpolicy_history any          login  -    -      -      -      -      -      yes    -      no
beheer:registry_programme_add       any          login  -    -      -      -      -      -      yes    -      no
beheer:registry_programme_change    any          login  -    -      -      -      -      -      yes    -      no
beheer:registry_programme_changelist any          login  -    -      -      -      -      -      yes    -      no
beheer:registry_programme_delete    any          login  -    -      -      -      -      -      yes    -      no
beheer:registry_programme_history   any          login  -    -      -      -      -      -      yes    -      no
beheer:view_on_site                 any          login  -    -      -      -      -      -      yes    -      no
"""


@dataclass(frozen=True)
class Row:
    url: str
    object: str
    cells: dict[str, str]
    audits: str

    def matches(self, name: str) -> bool:
        return name == self.url

    def rule_for(self, who: str) -> str:
        return self.cells[who]


def rows() -> list[Row]:
    result = []
    for line in TABLE.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        url, obj, *cells, audits = parts
        if len(cells) != len(COLUMNS):
            raise ValueError(f"access table row {url!r} has {len(cells)} cells, expected {len(COLUMNS)}")
        result.append(Row(url=url, object=obj, cells=dict(zip(COLUMNS, cells, strict=True)), audits=audits))
    return result


# --- The API (stijging.api): client tokens instead of sessions -----------------------------------
#
# Columns: anon = no token (and any browser session: the API takes tokens only); then one API client
# per scope (of the partner organisation GGD in the own programme). Cells as above, except that the
# scope is checked before the object is looked up: a client without the scope gets 403 on every URL
# of that scope, object or not (audited); with the scope, a foreign object is a 404 (audited).
#   anon  401 = refused with a bearer challenge; yes = public (the published documentation)
API_SCOPES = ("referrals", "case", "figures", "addresses")
API_COLUMNS = ("anon", *API_SCOPES)

API_TABLE = """
# url                     object       anon  referrals case   figures addresses audits
api:schema                -            yes   yes       yes    yes     yes       no
api:docs                  -            yes   yes       yes    yes     yes       no
api:inbox                 -            401   yes       -      -       -         list
api:referral              referral     401   own       -      -       -         view
api:referral_transition   referral     401   own       -      -       -         no
api:households            -            401   -         yes    -       -         list
api:household             household    401   -         own    -       -         view
api:person                person       401   -         own    -       -         view
api:trajectories          -            401   -         yes    -       -         list
api:case_referrals        -            401   -         yes    -       -         list
api:figures               programme    401   -         -      own     -         no
api:address_import        area         401   -         -      -       own       no
"""


def api_rows() -> list[Row]:
    result = []
    for line in API_TABLE.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        url, obj, *cells, audits = line.split()
        if len(cells) != len(API_COLUMNS):
            raise ValueError(f"API access table row {url!r} has {len(cells)} cells, expected {len(API_COLUMNS)}")
        result.append(Row(url=url, object=obj, cells=dict(zip(API_COLUMNS, cells, strict=True)), audits=audits))
    return result


def api_row_for(name: str) -> Row | None:
    exact = [row for row in api_rows() if row.url == name]
    return exact[0] if exact else None


def row_for(name: str) -> Row | None:
    """The row for exactly this URL name (no wildcards: a page nobody decided on has no row)."""
    exact = [row for row in rows() if row.url == name]
    return exact[0] if exact else None
