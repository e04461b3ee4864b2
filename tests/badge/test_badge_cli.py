"""`flask badge …`: the same services from the command line."""
import io
import re

from PIL import Image
from sqlalchemy import func, select

from app.badge import service
from app.badge.models import Badge, BadgeImage
from app.extensions import db
from tests import factories


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["badge", *args])
    return result


def test_show_and_rotate(app):
    technician = factories.technician()
    shown = _run(app, "show", technician.employee_no)
    assert shown.exit_code == 0, shown.output
    old = re.search(r"badge_token\s+(\S+)", shown.output).group(1)
    rotated = _run(app, "rotate", technician.employee_no)
    assert rotated.exit_code == 0, rotated.output
    assert f"{technician.employee_no} v2 active" in rotated.output
    new = re.search(r"badge_token\s+(\S+)", rotated.output).group(1)
    assert new != old
    assert service.resolve_badge(new).technician is technician


def test_rotate_unknown_technician_fails_cleanly(app):
    result = _run(app, "rotate", "NOPE")
    assert result.exit_code != 0
    assert "technician_not_found" in result.output


def test_revoke(app):
    technician = factories.technician()
    result = _run(app, "revoke", technician.employee_no, "--reason", "遗失")
    assert result.exit_code == 0 and "revoked" in result.output


def test_print_writes_an_a4_pdf(app, tmp_path):
    for _ in range(3):
        factories.technician(team="命令行打印班")
    out = tmp_path / "badges.pdf"
    result = _run(app, "print", "--team", "命令行打印班", "--out", str(out))
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert re.search(rb"/MediaBox \[ 0 0 595\.2756 841\.8898 \]", pdf)     # A4 in points


def test_render_all_on_two_workers_then_nothing_left_to_do(app, decode):
    technicians = [factories.technician() for _ in range(6)]
    factories.technician(status="suspended")
    result = _run(app, "render-all", "--workers", "2", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert "6 active technicians: 6 badges issued, 6 rendered" in result.output
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 6
    assert db.session.scalar(select(func.count()).select_from(BadgeImage)) == 18
    badge = service.find_badge(technicians[0].id)
    card = Image.open(io.BytesIO(db.session.get(BadgeImage, (badge.id, "card_png")).data))
    assert decode(card) == [service.badge_links(badge).url]
    again = _run(app, "render-all", "--workers", "1")
    assert "0 rendered, 6 up to date" in again.output


def test_fetch_wxacode_once_per_badge(app, wechat):
    technicians = [factories.technician() for _ in range(3)]
    first = _run(app, "fetch-wxacode")
    assert first.exit_code == 0, first.output
    assert "3 fetched, 0 up to date, 0 failed" in first.output
    again = _run(app, "fetch-wxacode", technicians[0].employee_no)
    assert "0 fetched, 1 up to date, 0 failed" in again.output
    assert wechat.calls("wxa/getwxacodeunlimit") == 3


def test_forget_presences_deletes_old_scans_and_keeps_recent_ones(app):
    from datetime import datetime, timedelta, timezone

    from app.badge.models import Presence
    now = datetime.now(timezone.utc)
    technician = factories.technician()
    customer = factories.user()
    for step, age in ((1, timedelta(days=200)), (2, timedelta(days=181)), (3, timedelta(days=179)),
                      (4, timedelta(hours=1))):
        db.session.add(Presence(user_id=customer.id, technician_id=technician.id, step=step,
                                scanned_at=now - age, channel="h5"))
    db.session.flush()

    result = _run(app, "forget-presences", "--keep-days", "180")
    assert result.exit_code == 0, result.output
    assert "2 presences" in result.output
    kept = db.session.scalars(select(Presence.step).where(
        Presence.technician_id == technician.id).order_by(Presence.step)).all()
    assert kept == [3, 4]
    assert _run(app, "forget-presences", "--keep-days", "0").exit_code != 0
