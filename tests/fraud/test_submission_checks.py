"""The cheap detectors that run when a rating is submitted, each through POST /api/v1/ratings:
the check reads what the submission already knew and queries only when a detector may fire."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.fraud.models import FraudFlag
from tests import factories
from tests.factories import bind, bind_technician, headers_for, user


def rate(client, order, stars=5):
    customer = user()
    bind(customer, order.account)
    response = client.post("/api/v1/ratings", json={"order_no": order.order_no, "stars": stars},
                           headers=headers_for(customer))
    assert response.status_code == 201, response.json
    return response.json["id"]


def flag_of(rating_id):
    return db.session.scalar(select(FraudFlag).where(FraudFlag.rating_id == rating_id))


def test_an_account_registered_with_the_technicians_phone_is_flagged(client):
    technician = factories.technician()
    order = factories.order(technician=technician,
                            account=factories.account(phone=technician.phone))
    flag = flag_of(rate(client, order))
    assert flag is not None and flag.detector_ids == ["rater_is_technician"]
    assert technician.phone not in str(flag.reasons)       # evidence masks the phone


def test_a_rating_before_the_recorded_completion_is_flagged(client):
    completed = datetime.now(timezone.utc) + timedelta(hours=1)   # recorded in the future
    order = factories.order(completed_at=completed)
    flag = flag_of(rate(client, order))
    assert flag is not None and flag.detector_ids == ["rated_before_completion"]


def test_a_burst_of_late_ratings_is_flagged_from_the_third_on(client):
    technician = factories.technician()
    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    orders = [factories.order(technician=technician, completed_at=long_ago) for _ in range(4)]
    ids = [rate(client, order) for order in orders]
    assert [flag_of(i) is not None for i in ids] == [False, False, True, True]
    assert flag_of(ids[2]).detector_ids == ["burst"]


def test_a_fresh_order_rated_inside_a_burst_of_late_ones_is_flagged_with_them(client):
    # The new rating is not late itself, but the burst it joins is: the check must still look.
    technician = factories.technician()
    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    late = [rate(client, factories.order(technician=technician, completed_at=long_ago))
            for _ in range(3)]
    fresh = rate(client, factories.order(technician=technician,
                                         completed_at=datetime.now(timezone.utc)
                                         - timedelta(minutes=20)))
    assert flag_of(late[2]).detector_ids == ["burst"]
    assert flag_of(fresh) is not None and flag_of(fresh).detector_ids == ["burst"]


def test_ratings_close_to_their_own_completion_are_no_burst(client):
    technician = factories.technician()
    just_now = datetime.now(timezone.utc) - timedelta(minutes=20)
    ids = [rate(client, factories.order(technician=technician, completed_at=just_now))
           for _ in range(4)]
    assert all(flag_of(i) is None for i in ids)


def test_a_five_star_rating_after_a_dissatisfied_manual_callback_is_flagged(client):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=6))
    factories.callback(order, channel="manual", result="dissatisfied",
                       called_at=order.completed_at + timedelta(hours=1))
    flag = flag_of(rate(client, order, stars=5))
    assert flag is not None and flag.detector_ids == ["callback_contradiction"]


def test_a_satisfied_callback_or_a_low_rating_raises_nothing(client):
    happy = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=6))
    factories.callback(happy, channel="manual", result="satisfied",
                       called_at=happy.completed_at + timedelta(hours=1))
    unhappy = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=6))
    factories.callback(unhappy, channel="manual", result="dissatisfied",
                       called_at=unhappy.completed_at + timedelta(hours=1))
    assert flag_of(rate(client, happy)) is None
    assert flag_of(rate(client, unhappy, stars=2)) is None


def test_a_colleague_on_another_team_is_flagged_lower_than_a_teammate(client):
    order = factories.order()
    teammate, stranger = user(), user()
    bind_technician(teammate, factories.technician(team=order.technician.team))
    bind_technician(stranger, factories.technician(team="城西装维班"))
    other_order = factories.order(technician=order.technician)
    scores = []
    for rater, rated in ((teammate, order), (stranger, other_order)):
        bind(rater, rated.account)
        response = client.post("/api/v1/ratings", json={"order_no": rated.order_no, "stars": 5},
                               headers=headers_for(rater))
        assert response.status_code == 201
        scores.append(flag_of(response.json["id"]).score)
    assert scores[0] > scores[1]
