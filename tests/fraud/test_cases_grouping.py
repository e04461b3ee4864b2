"""How flags become cases and findings become offences: the pure rules, then the grouping as the
scan and the submission check keep it (a ring spanning technicians, a decided case that keeps
its flags, a flag raised at submission joining its technician-month)."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.fraud import rules
from app.fraud import service as fraud_service
from app.fraud.grouping import FlagFacts, assign_cases, components, group_keys
from app.fraud.models import FraudCase, FraudFlag
from tests import factories
from tests.factories import bind, headers_for, user
from tests.fraud.conftest import rating

POLICY = rules.SanctionPolicy(first_fine=5000, repeat_fine=1000, suspension_days=30)


# --- Pure rules -----------------------------------------------------------------------------

def test_offences_are_numbered_by_month_one_per_month():
    terms = rules.number_offences(["2026-11", "2026-10", "2026-11"], POLICY)
    assert list(terms) == ["2026-10", "2026-11"]
    assert (terms["2026-10"].offence_no, terms["2026-10"].fine, terms["2026-10"].suspension) == (
        1, 5000, False)
    assert (terms["2026-11"].offence_no, terms["2026-11"].fine, terms["2026-11"].suspension) == (
        2, 1000, True)
    custom = rules.SanctionPolicy(first_fine=3000, repeat_fine=800, suspension_days=15)
    assert [t.fine for t in rules.number_offences(["2026-01", "2026-02", "2026-03"],
                                                  custom).values()] == [3000, 800, 800]


def test_a_suspension_runs_from_the_decision_day_for_its_days():
    assert rules.suspension_period(date(2026, 11, 20), 30) == (date(2026, 11, 20),
                                                                date(2026, 12, 19))
    assert rules.suspension_period(date(2026, 11, 20), 1) == (date(2026, 11, 20),
                                                               date(2026, 11, 20))


def test_offence_changes_read_as_the_reviewer_needs():
    state = rules.OffenceState
    first = state("2026-10", 1, 5000, False, 2)
    (new,) = rules.offence_changes([], [first], 30)
    assert (new["change"], new["text"]) == ("new", "第 1 次违规：罚款 5,000 元，2026-10 取消定星")
    second = state("2026-11", 2, 1000, True, 1)
    (repeat,) = rules.offence_changes([first], [first, second], 30)
    assert repeat["text"].startswith("第 2 次违规：罚款 1,000 元，待岗培训 30 天")
    (more,) = rules.offence_changes([first], [state("2026-10", 1, 5000, False, 3)], 30)
    assert more["change"] == "extended" and "1 条并入同一次发现" in more["text"]
    earlier = state("2026-09", 1, 5000, False, 1)
    changes = rules.offence_changes([state("2026-10", 1, 5000, False, 2)],
                                    [earlier, state("2026-10", 2, 1000, True, 2)], 30)
    assert [(c["month"], c["change"]) for c in changes] == [("2026-09", "new"),
                                                             ("2026-10", "renumbered")]
    (gone,) = rules.offence_changes([first], [], 30)
    assert gone["change"] == "revoked" and "撤销 2026-10 第 1 次违规" in gone["text"]
    assert rules.offence_changes([first], [first], 30) == []


def facts(flag_id, tech, month, *keys, case_id=None):
    return FlagFacts(flag_id, tech, month, frozenset(keys), case_id)


def test_groups_join_by_technician_month_and_by_evidence_group_transitively():
    flags = [facts(1, 10, "2026-10"), facts(2, 10, "2026-10", "ring:a"),
             facts(3, 11, "2026-10", "ring:a"), facts(4, 11, "2026-11"),
             facts(5, 12, "2026-10"), facts(6, 11, "2026-10")]
    groups = [[f.flag_id for f in g] for g in components(flags)]
    assert groups == [[1, 2, 3, 6], [4], [5]]


def test_each_group_keeps_the_case_holding_most_of_it():
    flags = [facts(1, 10, "2026-10", case_id=7), facts(2, 10, "2026-10", case_id=8),
             facts(3, 10, "2026-10", case_id=8), facts(4, 11, "2026-10", case_id=8)]
    assert assign_cases(components(flags)) == [(8, [1, 2, 3]), (None, [4])]


def test_group_keys_come_from_any_reason():
    reasons = [{"detector": "burst", "evidence": {"group": "burst:1"}},
               {"detector": "shared_device", "evidence": {"group": "device:9", "users": [1]}},
               {"detector": "callback_contradiction", "evidence": {}}, {"detector": "x"}]
    assert group_keys(reasons) == {"burst:1", "device:9"}
    assert group_keys(None) == frozenset()


# --- Grouping in the database ---------------------------------------------------------------

def flag(technician, month, *, group=None, status="open", score=0.8):
    completed = datetime(int(month[:4]), int(month[5:]), 10, 2, tzinfo=timezone.utc)
    order = factories.order(technician=technician, completed_at=completed)
    rater = user()
    bind(rater, order.account)
    rated = rating(order, rater)
    evidence = {"group": group} if group else {}
    row = FraudFlag(rating_id=rated.id, order_id=order.id, technician_id=technician.id,
                    month=month, score=score, status=status, detectors=",burst,",
                    reasons=[{"detector": "burst", "score": score, "weight": 0.7,
                              "detail": "集中评价", "detail_en": "burst", "evidence": evidence}])
    db.session.add(row)
    db.session.flush()
    return row


def case_sets():
    out = {}
    for flag_id, case_id in db.session.execute(select(FraudFlag.id, FraudFlag.case_id)):
        out.setdefault(case_id, set()).add(flag_id)
    return sorted(out.values(), key=min)


def test_a_ring_over_two_technicians_is_one_case_and_a_decided_case_keeps_its_flags():
    a, b, c = factories.technician(), factories.technician(), factories.technician()
    fa = flag(a, "2026-10", group="ring:7")
    fb = flag(b, "2026-10", group="ring:7", score=0.95)
    fb2 = flag(b, "2026-10")
    fc = flag(c, "2026-10")
    fraud_service.regroup()
    assert case_sets() == [{fa.id, fb.id, fb2.id}, {fc.id}]
    ring_case = db.session.get(FraudCase, db.session.get(FraudFlag, fa.id).case_id)
    assert (ring_case.score, ring_case.flag_count, ring_case.month) == (0.95, 3, "2026-10")

    # An auditor decides one flag of the ring; later evidence links c to the ring.
    ctx = fraud_service.Context(by="审核员", tz_name="Asia/Shanghai")
    fraud_service.decide_flag(flag_id=fa.id, decision="dismissed", note="", ctx=ctx)
    db.session.get(FraudFlag, fc.id).reasons = [
        {"detector": "burst", "score": 0.8, "weight": 0.7, "detail": "d", "detail_en": "d",
         "evidence": {"group": "ring:7"}}]
    late = flag(c, "2026-10", group="ring:7")
    fraud_service.regroup()
    sets = case_sets()
    assert {fa.id, fb.id, fb2.id} in sets                 # the case under review is untouched
    assert {fc.id, late.id} in sets                       # the newcomers form their own case


def test_regrouping_twice_changes_nothing_and_drops_emptied_cases():
    tech = factories.technician()
    first, second = flag(tech, "2026-10"), flag(tech, "2026-11")
    fraud_service.regroup()
    before = case_sets()
    result = fraud_service.regroup()
    assert (result.cases_created, result.cases_removed, result.flags_moved) == (0, 0, 0)
    assert case_sets() == before
    db.session.delete(db.session.get(FraudFlag, second.id))    # the scan dropped a stale flag
    db.session.flush()
    assert fraud_service.regroup().cases_removed == 1
    assert db.session.scalar(select(FraudCase.id).where(
        FraudCase.id != db.session.get(FraudFlag, first.id).case_id)) is None


def test_a_flag_raised_at_submission_joins_its_technician_months_case(client):
    tech = factories.technician()
    earlier = flag(tech, datetime.now(timezone.utc).strftime("%Y-%m"))
    fraud_service.regroup()
    order = factories.order(technician=tech,
                            completed_at=datetime.now(timezone.utc) + timedelta(hours=1))
    customer = user()
    bind(customer, order.account)
    response = client.post("/api/v1/ratings", json={"order_no": order.order_no, "stars": 5},
                           headers=headers_for(customer))
    assert response.status_code == 201
    raised = db.session.scalar(select(FraudFlag).where(FraudFlag.rating_id == response.json["id"]))
    assert raised is not None and raised.case_id == db.session.get(FraudFlag, earlier.id).case_id
    assert db.session.get(FraudCase, raised.case_id).flag_count == 2
