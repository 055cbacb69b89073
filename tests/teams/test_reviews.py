"""Team-month sign-off (Prüfung): who reads and who signs off, signing off and reopening with
the audit trail, the lock it puts on the team's activities, the totals of a month, the refusals
and an overview whose queries do not grow with the teams and activities."""

import datetime
import threading
import time

import pghistory.models
import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override

from sozialraum.models import Municipality, Team
from teams import reviews
from teams.models import Activity, TeamMonthReview

D = datetime.date
# The day the tests run on (as far as the review knows): the last complete month is October.
TODAY = D(2026, 11, 25)
OCTOBER = D(2026, 10, 1)
NOVEMBER = D(2026, 11, 1)
REVIEW_EVENTS = "teams.TeamMonthReviewEvent"
# The teams of the Mittelbereich Backnang, in the order of the overview.
BACKNANG_AREA = ["Backnang", "Backnang Umland", "Oberes Murrtal"]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(reviews, "today", lambda: TODAY)
    return TODAY


def detail_url(team, month=OCTOBER):
    return reverse("teams:review_detail", args=[team.pk, month.year, month.month])


def sign_off_url(team, month=OCTOBER):
    return reverse("teams:review_sign_off", args=[team.pk, month.year, month.month])


def reopen_url(team, month=OCTOBER):
    return reverse("teams:review_reopen", args=[team.pk, month.year, month.month])


def make_activity(team, day, municipality=None, **fields):
    municipality = municipality or Municipality.objects.get(name="Backnang")
    defaults = {"kind": Activity.Kind.COMMUNITY, "status": Activity.Status.HELD}
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, **{**defaults, **fields}
    )


def review_events():
    return pghistory.models.Events.objects.filter(pgh_model=REVIEW_EVENTS).order_by("pgh_id")


def shows(response, text) -> bool:
    return escape(text) in response.content.decode()


def message(msgid):
    """A success message as the page shows it (translated once the translations exist)."""
    with override("de"):
        return gettext(msgid) % {"team": "Backnang", "month": reviews.month_label(OCTOBER)}


def signed_off(team, user, month=OCTOBER, comment=""):
    return TeamMonthReview.objects.create(
        team=team, month=month, signed_off_by=user, signed_off_at=timezone.now(), comment=comment
    )


# --- Who reads and who signs off --------------------------------------------------------------

# username → (status of the month page of team Backnang, may sign off)
DETAIL_ACCESS = {
    "fachkraft": (200, False),
    "teamleitung": (200, False),
    "fbl-backnang": (200, True),
    "fbl-waiblingen": (404, None),
    "amtsleitung": (200, False),
    "admin": (200, True),
    "winnenden": (404, None),
    "ohnerolle": (404, None),
}


@pytest.mark.parametrize("username", list(DETAIL_ACCESS))
def test_month_page_per_role(
    client, demo_users, other_team_member, no_role_user, team_backnang, username
):
    users = {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}
    client.force_login(users[username])

    response = client.get(detail_url(team_backnang))

    status, may_review = DETAIL_ACCESS[username]
    assert response.status_code == status
    if status == 200:
        assert (response.context["team"], response.context["month"]) == (team_backnang, OCTOBER)
        assert response.context["may_review"] is may_review
        assert response.context["state"] == reviews.State.OPEN
        assert (sign_off_url(team_backnang) in response.content.decode()) is may_review


# username → status of a sign-off of team Backnang's October (302: signed off)
SIGN_OFF_ACCESS = {
    "fachkraft": 403,
    "teamleitung": 403,
    "fbl-backnang": 302,
    "fbl-waiblingen": 404,
    "amtsleitung": 403,
    "admin": 302,
}


@pytest.mark.parametrize("username", list(SIGN_OFF_ACCESS))
def test_sign_off_per_role(client, demo_users, team_backnang, username):
    user = demo_users[username]
    client.force_login(user)

    response = client.post(sign_off_url(team_backnang), {"comment": "Alles vollständig."})

    assert response.status_code == SIGN_OFF_ACCESS[username]
    rows = list(TeamMonthReview.objects.values_list("team__name", "month", "signed_off_by"))
    if response.status_code == 302:
        assert response.url == detail_url(team_backnang)
        assert rows == [("Backnang", OCTOBER, user.pk)]
    else:
        assert rows == []


@pytest.mark.parametrize("username", ["fachkraft", "amtsleitung"])
def test_readers_get_403_on_reopening_and_the_month_stays_signed_off(
    client, demo_users, fbl_backnang, team_backnang, username
):
    review = signed_off(team_backnang, fbl_backnang)
    client.force_login(demo_users[username])

    response = client.post(reopen_url(team_backnang), {"reason": "Nachtrag"})

    assert response.status_code == 403
    review.refresh_from_db()
    assert (review.signed_off_by, review.reopened_at, review.reopen_reason) == (
        fbl_backnang,
        None,
        "",
    )


def test_head_of_another_area_gets_404_on_reopening(
    client_for, fbl_backnang, fbl_waiblingen, team_backnang
):
    review = signed_off(team_backnang, fbl_backnang)

    response = client_for(fbl_waiblingen).post(reopen_url(team_backnang), {"reason": "Nachtrag"})

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.signed_off_by == fbl_backnang


def test_fachkraft_sees_the_state_read_only(client_for, fachkraft, fbl_backnang, team_backnang):
    signed_off(team_backnang, fbl_backnang, comment="Danke!")

    response = client_for(fachkraft).get(detail_url(team_backnang))

    assert response.context["state"] == reviews.State.SIGNED_OFF
    assert response.context["review"].signed_off_by == fbl_backnang
    content = response.content.decode()
    assert "Beate Bereichsleitung" in content
    assert "Danke!" in content
    assert reopen_url(team_backnang) not in content
    assert sign_off_url(team_backnang) not in content


def test_unknown_month_and_team_answer_404(client_for, fbl_backnang, team_backnang):
    client = client_for(fbl_backnang)

    responses = [
        client.get(reverse("teams:review_detail", args=[team_backnang.pk, 2026, 13])),
        client.get(reverse("teams:review_detail", args=[team_backnang.pk, 0, 1])),
        client.get(reverse("teams:review_detail", args=[999999, 2026, 10])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_sign_off_url_takes_no_get(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).get(sign_off_url(team_backnang))

    assert response.status_code == 405
    assert not TeamMonthReview.objects.exists()


# --- Signing off and reopening ----------------------------------------------------------------


def test_head_signs_off_a_month_with_a_comment(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).post(
        sign_off_url(team_backnang), {"comment": "  Vollständig, danke.  "}, follow=True
    )

    review = TeamMonthReview.objects.get()
    assert response.redirect_chain == [(detail_url(team_backnang), 302)]
    assert (review.team, review.month, review.signed_off_by, review.comment) == (
        team_backnang,
        OCTOBER,
        fbl_backnang,
        "Vollständig, danke.",
    )
    assert timezone.now() - review.signed_off_at < datetime.timedelta(minutes=1)
    assert (review.reopened_by, review.reopened_at, review.reopen_reason) == (None, None, "")
    assert response.context["state"] == reviews.State.SIGNED_OFF
    assert [(e.action, e.user, e.text) for e in response.context["history"]] == [
        (reviews.State.SIGNED_OFF, fbl_backnang, "Vollständig, danke.")
    ]
    assert reopen_url(team_backnang) in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        message("%(team)s, %(month)s: signed off.")
    ]


def test_reopening_with_a_reason_unlocks_and_the_audit_trail_keeps_both(
    client_for, fbl_backnang, administration, team_backnang
):
    client_for(fbl_backnang).post(sign_off_url(team_backnang), {"comment": "Geprüft"})
    review = TeamMonthReview.objects.get()

    response = client_for(administration).post(
        reopen_url(team_backnang), {"reason": "Zwei Termine fehlen noch."}, follow=True
    )

    review.refresh_from_db()
    assert response.redirect_chain == [(detail_url(team_backnang), 302)]
    assert (review.signed_off_by, review.signed_off_at) == (None, None)
    assert (review.reopened_by, review.reopen_reason) == (
        administration,
        "Zwei Termine fehlen noch.",
    )
    assert review.reopened_at is not None
    assert response.context["state"] == reviews.State.REOPENED
    events = list(review_events())
    assert [(e.pgh_label, e.pgh_obj_id) for e in events] == [
        ("insert", str(review.pk)),
        ("update", str(review.pk)),
    ]
    assert [
        (e.pgh_data["signed_off_by_id"], e.pgh_data["reopened_by_id"], e.pgh_data["reopen_reason"])
        for e in events
    ] == [
        (fbl_backnang.pk, None, ""),
        (None, administration.pk, "Zwei Termine fehlen noch."),
    ]
    assert [e.pgh_context["user"] for e in events] == [fbl_backnang.pk, administration.pk]
    assert [(e.action, e.user, e.text) for e in response.context["history"]] == [
        (reviews.State.SIGNED_OFF, fbl_backnang, "Geprüft"),
        (reviews.State.REOPENED, administration, "Zwei Termine fehlen noch."),
    ]
    assert sign_off_url(team_backnang) in response.content.decode()
    assert shows(response, "Zwei Termine fehlen noch.")


def test_a_reopened_month_is_signed_off_again(client_for, fbl_backnang, team_backnang):
    client = client_for(fbl_backnang)
    client.post(sign_off_url(team_backnang), {"comment": "Erste Prüfung"})
    client.post(reopen_url(team_backnang), {"reason": "Nachtrag"})

    response = client.post(sign_off_url(team_backnang), {"comment": "Mit Nachtrag"}, follow=True)

    review = TeamMonthReview.objects.get()
    assert (review.signed_off_by, review.comment, review.reopen_reason) == (
        fbl_backnang,
        "Mit Nachtrag",
        "Nachtrag",
    )
    assert response.context["state"] == reviews.State.SIGNED_OFF
    assert [e.action for e in response.context["history"]] == [
        reviews.State.SIGNED_OFF,
        reviews.State.REOPENED,
        reviews.State.SIGNED_OFF,
    ]
    assert review_events().count() == 3


def test_the_sign_off_form_offers_the_last_comment_again(client_for, fbl_backnang, team_backnang):
    client = client_for(fbl_backnang)
    client.post(sign_off_url(team_backnang), {"comment": "Erste Prüfung"})
    client.post(reopen_url(team_backnang), {"reason": "Nachtrag"})

    response = client.get(detail_url(team_backnang))

    assert response.context["sign_off_form"].initial == {"comment": "Erste Prüfung"}


# --- Refusals ---------------------------------------------------------------------------------


def test_reopening_without_a_reason_is_refused_at_the_field(
    client_for, fbl_backnang, team_backnang
):
    review = signed_off(team_backnang, fbl_backnang)
    before = review_events().count()

    response = client_for(fbl_backnang).post(reopen_url(team_backnang), {"reason": "   "})

    assert response.status_code == 200
    form = response.context["reopen_form"]
    assert list(form.errors) == ["reason"]
    assert shows(response, form.errors["reason"][0])
    review.refresh_from_db()
    assert (review.signed_off_by, review.reopened_by, review.reopen_reason) == (
        fbl_backnang,
        None,
        "",
    )
    assert review_events().count() == before


def test_reopening_without_a_reason_is_refused_by_the_service(fbl_backnang, team_backnang):
    signed_off(team_backnang, fbl_backnang)

    with pytest.raises(reviews.ReviewRefused) as refused:
        reviews.reopen(team=team_backnang, month=OCTOBER, user=fbl_backnang, reason=" ")

    assert refused.value.field == "reason"
    assert TeamMonthReview.objects.get().signed_off_by == fbl_backnang


def test_signing_off_a_month_that_is_not_over_is_refused(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).post(sign_off_url(team_backnang, NOVEMBER), {})

    assert response.status_code == 200
    assert response.context["state"] == reviews.State.RUNNING
    error = response.context["review_error"]
    assert error
    assert shows(response, error)
    assert not TeamMonthReview.objects.exists()
    assert review_events().count() == 0


def test_the_running_month_offers_no_sign_off(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).get(detail_url(team_backnang, NOVEMBER))

    assert (response.context["state"], response.context["is_over"]) == (
        reviews.State.RUNNING,
        False,
    )
    assert response.context["signable_from"] == D(2026, 12, 1)
    assert sign_off_url(team_backnang, NOVEMBER) not in response.content.decode()
    assert response.context["next_url"] == ""


@pytest.mark.parametrize(("day", "over"), [(D(2026, 10, 31), False), (D(2026, 11, 1), True)])
def test_a_month_is_over_on_the_first_of_the_next(day, over):
    assert reviews.is_over(OCTOBER, day) is over


def test_a_second_sign_off_answers_409_and_keeps_the_first(
    client_for, fbl_backnang, administration, team_backnang
):
    client_for(fbl_backnang).post(sign_off_url(team_backnang), {"comment": "Erste"})

    response = client_for(administration).post(sign_off_url(team_backnang), {"comment": "Zweite"})

    assert response.status_code == 409
    assert shows(response, response.context["review_error"])
    assert "Beate Bereichsleitung" in response.context["review_error"]
    assert list(TeamMonthReview.objects.values_list("signed_off_by", "comment")) == [
        (fbl_backnang.pk, "Erste")
    ]
    assert review_events().count() == 1


def test_reopening_an_open_month_answers_409(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).post(reopen_url(team_backnang), {"reason": "Nachtrag"})

    assert response.status_code == 409
    assert shows(response, response.context["review_error"])
    assert not TeamMonthReview.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_offs_make_one_row(fbl_backnang, administration, team_backnang):
    """The first sign-off holds its transaction open while the second runs: the second waits
    for it on the unique row, then finds the month signed off and is refused."""
    started = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                reviews.sign_off(team=team_backnang, month=OCTOBER, user=fbl_backnang)
                started.set()
                time.sleep(0.5)
            outcome["first"] = "signed off"
        finally:
            started.set()
            connection.close()

    def second():
        started.wait(5)
        try:
            reviews.sign_off(team=team_backnang, month=OCTOBER, user=administration)
            outcome["second"] = "signed off"
        except reviews.ReviewRefused as refused:
            outcome["second"] = ("refused", refused.conflict)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert outcome == {"first": "signed off", "second": ("refused", True)}
    assert list(TeamMonthReview.objects.values_list("team", "month", "signed_off_by")) == [
        (team_backnang.pk, OCTOBER, fbl_backnang.pk)
    ]
    assert list(review_events().values_list("pgh_label", flat=True)) == ["insert"]


# --- The lock on the team's activities --------------------------------------------------------


def activity_data(activity, **changes):
    data = {
        "kind": activity.kind,
        "date": activity.date.isoformat(),
        "start_time": "",
        "end_time": "",
        "team": activity.team_id,
        "municipality": activity.municipality_id,
        "status": activity.status,
        "cancel_reason": "",
        "children": activity.children,
        "young_people": activity.young_people,
        "parents": activity.parents,
        "professionals": activity.professionals,
        "others": activity.others,
        "helps_initiated": activity.helps_initiated,
        "note": "",
        "version": activity.version,
    }
    return {**data, **changes}


def test_sign_off_locks_the_month_for_staff_and_reopening_unlocks_it(
    client, fachkraft, fbl_backnang, team_backnang
):
    activity = make_activity(team_backnang, D(2026, 10, 14), children=2)
    update_url = reverse("teams:activity_update", args=[activity.pk])
    client.force_login(fbl_backnang)
    client.post(sign_off_url(team_backnang), {})
    client.force_login(fachkraft)

    locked = client.post(update_url, activity_data(activity, children=5))
    activity.refresh_from_db()
    children_while_locked = activity.children
    client.force_login(fbl_backnang)
    client.post(reopen_url(team_backnang), {"reason": "Kinderzahl korrigieren"})
    client.force_login(fachkraft)
    unlocked = client.post(update_url, activity_data(activity, children=5))

    assert (locked.status_code, children_while_locked) == (403, 2)
    assert unlocked.url == reverse("teams:activity_detail", args=[activity.pk])
    activity.refresh_from_db()
    assert (activity.children, activity.version, activity.updated_by) == (5, 2, fachkraft)


def test_sign_off_locks_only_that_team_and_month(client, fachkraft, fbl_backnang, team_backnang):
    september = make_activity(team_backnang, D(2026, 9, 30))
    umland = Team.objects.get(name="Backnang Umland")
    client.force_login(fbl_backnang)
    client.post(sign_off_url(team_backnang), {})
    client.post(sign_off_url(umland, D(2026, 9, 1)), {})
    client.force_login(fachkraft)

    response = client.post(
        reverse("teams:activity_update", args=[september.pk]), activity_data(september, others=1)
    )

    assert response.status_code == 302
    september.refresh_from_db()
    assert september.others == 1


# --- The totals of a month --------------------------------------------------------------------


@pytest.fixture
def october_activities(team_backnang):
    """Team Backnang's October, plus activities the totals must leave out."""
    korb = Municipality.objects.get(name="Korb")
    rows = [
        make_activity(
            team_backnang,
            D(2026, 10, 1),
            kind="consultation",
            children=3,
            young_people=1,
            parents=2,
            helps_initiated=1,
            note="Viele Fragen zur Ganztagsbetreuung",
        ),
        make_activity(
            team_backnang, D(2026, 10, 8), kind="consultation", young_people=4, professionals=1
        ),
        make_activity(
            team_backnang,
            D(2026, 10, 15),
            kind="consultation",
            status="cancelled",
            cancel_reason="Krankheit",
        ),
        make_activity(
            team_backnang, D(2026, 10, 20), korb, kind="community", others=6, helps_initiated=2
        ),
        make_activity(
            team_backnang, D(2026, 10, 31), kind="event", status="cancelled", cancel_reason="Regen"
        ),
    ]
    # Not October or not team Backnang.
    make_activity(team_backnang, D(2026, 9, 30), children=50)
    make_activity(team_backnang, D(2026, 11, 1), children=50)
    make_activity(Team.objects.get(name="Backnang Umland"), D(2026, 10, 10), children=50)
    return rows


def test_month_page_totals_match_the_hand_computed_numbers(
    client_for, fbl_backnang, team_backnang, october_activities
):
    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    totals = response.context["totals"]
    assert (totals.activities, totals.held, totals.cancelled) == (5, 3, 2)
    assert [(k.kind, k.held, k.cancelled, k.total) for k in totals.by_kind] == [
        ("consultation", 2, 1, 3),
        ("event", 0, 1, 1),
        ("community", 1, 0, 1),
    ]
    assert totals.contacts == {
        "children": 3,
        "young_people": 5,
        "parents": 2,
        "professionals": 1,
        "others": 6,
    }
    assert (totals.contacts_total, totals.helps_initiated) == (17, 3)
    assert response.context["activities"] == october_activities
    content = response.content.decode()
    for activity in october_activities:
        assert reverse("teams:activity_detail", args=[activity.pk]) in content
    assert "Viele Fragen zur Ganztagsbetreuung" in content


def test_long_notes_are_cut_short(client_for, fbl_backnang, team_backnang):
    make_activity(team_backnang, D(2026, 10, 5), note="Vorbereitung " + "x" * 200)

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    content = response.content.decode()
    assert "Vorbereitung xxx" in content
    assert "x" * 100 not in content


def test_month_without_activities_has_zero_totals(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    totals = response.context["totals"]
    assert (totals.activities, totals.contacts_total, totals.helps_initiated) == (0, 0, 0)
    assert (response.context["activities"], totals.by_kind) == ([], [])


# --- The overview -----------------------------------------------------------------------------


def test_overview_shows_states_counts_and_the_open_months_first(
    client_for, fbl_backnang, administration, team_backnang, october_activities
):
    signed_off(team_backnang, fbl_backnang, month=D(2026, 9, 1))
    TeamMonthReview.objects.create(
        team=team_backnang,
        month=D(2026, 8, 1),
        reopened_by=administration,
        reopened_at=timezone.now(),
        reopen_reason="Nachtrag",
    )

    response = client_for(fbl_backnang).get(reverse("teams:review_list"))

    rows = response.context["rows"]
    assert [row.team.name for row in rows] == BACKNANG_AREA
    assert response.context["months"] == [D(2026, m, 1) for m in range(1, 12)]
    backnang = {cell.month: cell for cell in rows[0].months}
    assert [
        (backnang[D(2026, m, 1)].state, backnang[D(2026, m, 1)].activities) for m in (8, 9, 10, 11)
    ] == [
        (reviews.State.REOPENED, 0),
        (reviews.State.SIGNED_OFF, 1),
        (reviews.State.OPEN, 5),
        (reviews.State.RUNNING, 1),
    ]
    assert (backnang[OCTOBER].held, backnang[OCTOBER].cancelled) == (3, 2)
    assert backnang[D(2026, 9, 1)].review.signed_off_by == fbl_backnang
    assert [cell.month.month for cell in rows[0].open_months] == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert [len(row.open_months) for row in response.context["open_rows"]] == [9, 10, 10]
    assert response.context["may_review"] is True
    content = response.content.decode()
    assert content.index('id="open-months"') < content.index(f'id="team-{team_backnang.pk}-')
    assert detail_url(team_backnang) in content
    assert "Nachtrag" in content


@pytest.mark.parametrize(
    ("username", "teams", "may_review"),
    [
        ("fachkraft", ["Backnang"], False),
        ("fbl-backnang", BACKNANG_AREA, True),
        ("fbl-waiblingen", ["Fellbach/Kernen/Weinstadt", "Waiblingen/Korb", "Winnenden"], True),
        ("amtsleitung", None, False),
        ("admin", None, True),
    ],
)
def test_overview_shows_the_teams_the_user_reads(client, demo_users, username, teams, may_review):
    client.force_login(demo_users[username])

    response = client.get(reverse("teams:review_list"))

    names = [row.team.name for row in response.context["rows"]]
    assert names == (teams or [team.name for team in Team.objects.all()])
    assert [row.may_review for row in response.context["rows"]] == [may_review] * len(names)
    assert response.context["may_review"] is may_review


def test_overview_of_a_user_without_teams_is_empty(client_for, no_role_user):
    response = client_for(no_role_user).get(reverse("teams:review_list"))

    assert (response.status_code, response.context["rows"]) == (200, [])


def test_overview_of_a_past_year_shows_all_its_months(client_for, fbl_backnang, team_backnang):
    make_activity(team_backnang, D(2025, 12, 3))

    response = client_for(fbl_backnang).get(reverse("teams:review_list"), {"year": 2025})

    assert response.context["months"] == [D(2025, m, 1) for m in range(1, 13)]
    assert response.context["rows"][0].months[-1].activities == 1
    assert response.context["previous_year"] == 2024


@pytest.mark.parametrize("year", ["2027", "abc", "1999"])
def test_overview_ignores_a_year_it_cannot_show(client_for, fbl_backnang, year):
    response = client_for(fbl_backnang).get(reverse("teams:review_list"), {"year": year})

    assert (response.context["year"], response.context["months"][-1]) == (None, NOVEMBER)


def test_in_january_the_previous_year_is_still_there():
    months = reviews.overview_months(D(2027, 1, 10))

    assert (months[0], months[-1], len(months)) == (D(2026, 1, 1), D(2027, 1, 1), 13)


def test_an_inactive_team_appears_only_with_activities_in_the_period(
    client_for, administration, team_backnang
):
    umland = Team.objects.get(name="Backnang Umland")
    murrtal = Team.objects.get(name="Oberes Murrtal")
    Team.objects.filter(pk__in=[umland.pk, murrtal.pk]).update(is_active=False)
    make_activity(umland, D(2026, 3, 3))

    response = client_for(administration).get(reverse("teams:review_list"))

    names = [row.team.name for row in response.context["rows"]]
    assert ("Backnang Umland" in names, "Oberes Murrtal" in names) == (True, False)


@pytest.mark.parametrize(
    ("username", "per_team"), [("fachkraft", 1), ("fbl-backnang", 4), ("admin", 4)]
)
def test_overview_query_count_is_constant(
    client, demo_users, django_assert_num_queries, username, per_team
):
    """One team with one activity, up to nine teams with activities in several months."""
    for team in Team.objects.all():
        for n in range(per_team):
            make_activity(team, D(2026, 1 + 3 * n, 10), status="held" if n % 2 else "cancelled")
        signed_off(team, demo_users["admin"], month=D(2026, 1, 1))
    client.force_login(demo_users[username])

    # 10 for the page, 3 for the consultation dates not logged (series, closures, logged dates).
    with django_assert_num_queries(13):
        response = client.get(reverse("teams:review_list"))

    first = response.context["rows"][0].months
    assert first[0].state == reviews.State.SIGNED_OFF
    assert sum(cell.activities for cell in first) == per_team
