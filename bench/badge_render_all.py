"""`flask badge render-all` for 10,000 technicians on both cores: wall time and ms per card.

    . .venv/bin/activate && python bench/badge_render_all.py [--technicians 10000] [--workers 2]
        [--photo-share 0.0]

`--photo-share 1` gives every technician a photo (set through the upload service, untimed): a
card with a photo is drawn in full colour instead of on the fixed palette.

A fresh SQLite database is built by `flask db upgrade heads` and filled (untimed) with active
technicians; then the real CLI runs in a subprocess, once, timed from outside. Each badge gets
its QR PNG, QR SVG and card PNG drawn and stored. A second run must find everything up to date.
The database lives in a temporary directory and is removed afterwards. The CPU seconds of the
command and its workers are printed too: on a shared machine they say what the work costs when
wall time says mostly how busy the neighbours were.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕晓明"


def _portrait(rng: random.Random) -> bytes:
    """A stand-in phone photo (1200×1600 JPEG): head and shoulders in random colours."""
    from io import BytesIO

    from PIL import Image, ImageDraw
    image = Image.new("RGB", (1200, 1600), tuple(rng.randrange(150, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 1040, 1080, 2000), fill=tuple(rng.randrange(0, 120) for _ in range(3)))
    draw.ellipse((380, 340, 820, 860), fill=(236, 196, 160))
    draw.pieslice((360, 280, 840, 760), 180, 360, fill=(40, 32, 28))
    out = BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def seed_photos(database_url: str, share: float) -> int:
    """Photos for `share` of the technicians, set through the service as an upload would be
    (a dozen distinct pictures, re-encoded once each)."""
    from sqlalchemy import select

    from app import create_app
    from app.badge import photos
    from app.extensions import db
    from app.masterdata.models import Technician

    rng = random.Random(16)
    pictures = [_portrait(rng) for _ in range(12)]
    app = create_app({"LOG_LEVEL": "WARNING"})
    with app.app_context():
        technicians = list(db.session.scalars(select(Technician).order_by(Technician.id)))
        chosen = technicians[:round(len(technicians) * share)]
        for i, technician in enumerate(chosen):
            photos.set_photo(technician=technician, raw=pictures[i % len(pictures)], by="bench")
        db.session.commit()
        db.engine.dispose()
    return len(chosen)


def seed(database_url: str, count: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    from sqlalchemy import insert

    from app import create_app
    from app.db import utcnow
    from app.extensions import db
    from app.masterdata.models import Technician

    rng = random.Random(2026)
    app = create_app({"LOG_LEVEL": "WARNING"})
    now = utcnow()
    rows = [{"employee_no": f"ZW{i:06d}",
             "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
             "phone": f"138{i:08d}", "team": f"装维{i // 25 + 1}班", "area": f"营业部{i // 500 + 1}",
             "vendor": "自营", "status": "active", "created": now, "updated": now}
            for i in range(count)]
    with app.app_context():
        db.session.execute(insert(Technician), rows)
        db.session.commit()
        db.engine.dispose()


def _children_cpu() -> float:
    # Includes the pool's worker processes: the CLI waits for them, and we wait for the CLI.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--technicians", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--photo-share", type=float, default=0.0,
                        help="share of technicians with a photo on their card (0..1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="badge-render-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'render.db'}"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret",
               "PUBLIC_BASE_URL": "https://pj.example.com.cn", "LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        seed(url, args.technicians)
        with_photo = seed_photos(url, args.photo_share) if args.photo_share else 0
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "badge", "render-all",
                   "--workers", str(args.workers)]
        cpu_before = _children_cpu()
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
        print(run.stdout.strip())
        again = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True,
                               text=True).stdout.strip()
        print(f"second run: {again}")
        size = (Path(tmp) / "render.db").stat().st_size
    print(f"render-all: {args.technicians} technicians ({with_photo} with a photo), "
          f"{args.workers} workers: {elapsed:.1f}s wall "
          f"(process start included), {elapsed / args.technicians * 1000:.2f} ms per badge "
          f"(QR PNG + QR SVG + card PNG), database {size / 2**20:.0f} MiB")
    print(f"CPU used by the command and its workers: {cpu:.1f}s, {cpu / args.technicians * 1000:.2f} "
          f"ms per badge; on {args.workers} otherwise idle cores that is about "
          f"{cpu / args.workers:.0f}s wall (the machine's load average was {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
