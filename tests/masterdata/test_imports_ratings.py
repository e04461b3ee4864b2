"""The `ratings` import: historical ratings with their original moment and rater, channel
`imported`, idempotent by order_no, rejected per row; they count like any rating."""
from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import WeChatIdentity, WeChatUser
from app.rating.models import Rating
from tests.masterdata.conftest import ORDER_HEADER, csv_body

HEADER = "order_no,rated_at,openid,unionid,stars,tags,comment,client_ip,user_agent"


def _orders(post_import):
    response = post_import("orders", csv_body(
        ORDER_HEADER,
        "O1,A1,T1,install,broadband,城区营业部,2026-10-03T09:00:00,2026-10-03T11:00:00,completed",
        "O2,A2,T1,repair,broadband,城区营业部,2026-10-04T09:00:00,2026-10-04T10:00:00,completed",
        "O3,A1,T2,install,broadband,城区营业部,2026-10-05T09:00:00,2026-10-05T12:00:00,completed",
        "O4,A2,T2,install,broadband,城区营业部,2026-10-06T09:00:00,,open"))
    assert response.json["created"] == 4


ROWS = ("O1,2026-10-03T11:20:00,oOLD_1,uOLD_1,5,\"on_time,friendly\",师傅很专业,10.1.2.3,Mozilla/5.0",
        "O2,2026-10-04T18:00:00+08:00,oOLD_1,uOLD_1,4,,还不错,,",
        "O3,2026-10-06T09:00:00,oOLD_2,,2,rude,态度差,,")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_ratings_land_with_their_moment_rater_and_channel(post_import, seeded):
    _orders(post_import)
    response = post_import("ratings", csv_body(HEADER, *ROWS))
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["rejected"]) == (3, [])
    ratings = {r.order.order_no: r for r in db.session.scalars(select(Rating))}
    o1 = ratings["O1"]
    assert o1.channel == "imported" and o1.stars == 5 and o1.tags == ["on_time", "friendly"]
    assert o1.created_at.isoformat().startswith("2026-10-03T03:20:00")   # +08:00 when no zone
    assert (o1.client_ip, o1.user_agent, o1.openid, o1.presence) == ("10.1.2.3", "Mozilla/5.0",
                                                                     "oOLD_1", False)
    assert o1.technician_id == o1.order.technician_id
    # One rater behind two orders is one user; the unionid is kept for a later login to meet.
    assert ratings["O2"].user_id == o1.user_id != ratings["O3"].user_id
    assert db.session.get(WeChatUser, o1.user_id).unionid == "uOLD_1"
    assert count(WeChatIdentity) == 2


def test_reimport_is_idempotent(post_import, seeded):
    _orders(post_import)
    post_import("ratings", csv_body(HEADER, *ROWS))
    again = post_import("ratings", csv_body(HEADER, *ROWS))
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 3)
    assert count(Rating) == 3 and count(WeChatUser) == 2


def test_bad_rows_are_rejected_one_by_one(post_import, seeded):
    _orders(post_import)
    post_import("ratings", csv_body(HEADER, ROWS[0]))
    response = post_import("ratings", csv_body(
        HEADER,
        "O1,2026-10-03T12:00:00,oOTHER,,3,,改评,,",            # the order already has a rating
        "NOPE,2026-10-03T12:00:00,oX,,5,,,,",                  # unknown order
        "O2,2026-10-04T12:00:00,oX,,5,rude,,,",                # a negative tag on five stars
        "O4,2026-10-06T12:00:00,oX,,5,,,,",                    # not completed
        "O3,2026-10-06T12:00:00,oX,,6,,,,",                    # no such star
        "O3,2026-10-06T12:00:00,oX,,5,,,not-an-ip,",
        "O3,2026-10-06T12:00:00,oX,,5,on_time,好,,"))          # fine
    errors = {r["row"]: r["error"] for r in response.json["rejected"]}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7] and response.json["created"] == 1
    assert "已有评价" in errors[2] and "order_no" in errors[3] and "tags" in errors[4]
    assert "未完成" in errors[5] and "stars" in errors[6] and "client_ip" in errors[7]
    assert db.session.scalar(select(Rating.stars).join(Rating.order)
                             .where(Rating.order.has(order_no="O1"))) == 5


def test_a_rating_given_here_is_not_overwritten(post_import, seeded, app):
    _orders(post_import)
    post_import("ratings", csv_body(HEADER, ROWS[0]))
    db.session.execute(Rating.__table__.update().values(channel="h5"))
    response = post_import("ratings", csv_body(HEADER, ROWS[0]))
    assert response.json["rejected"][0]["error"].startswith("order_no: 该工单已有评价")


def test_imported_ratings_count_in_the_monthly_report(post_import, seeded, client, admin_headers):
    _orders(post_import)
    post_import("ratings", csv_body(HEADER, *ROWS))
    items = client.get("/api/v1/admin/reports/monthly?month=2026-10", headers=admin_headers).json
    rows = {i["employee_no"]: i for i in items["items"]}
    assert rows["T1"]["wechat_ratings"] == 2 and rows["T1"]["stars"]["5"] == 1
    assert rows["T2"]["wechat_ratings"] == 1 and rows["T2"]["stars"]["2"] == 1


def test_cli_imports_ratings(app, post_import, seeded, tmp_path):
    _orders(post_import)
    path = tmp_path / "ratings.csv"
    path.write_text(csv_body(HEADER, *ROWS), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "ratings", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
