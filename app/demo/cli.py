"""`flask demo seed`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.demo.service import data_present, scan_walkthrough, seed_demo, seed_demo_reviews
from app.extensions import db


@click.group("demo", help="演示数据 (demo data).")
def demo_cli():
    pass


@demo_cli.command("seed")
@click.option("--seed", default=2026, show_default=True, help="random seed")
@click.option("--technicians", default=50, show_default=True)
@click.option("--accounts", default=3000, show_default=True)
@click.option("--orders", "orders_per_month", default=2500, show_default=True,
              help="orders in a full month")
@click.option("--force", is_flag=True, help="seed even into a database that already has data")
@with_appcontext
def seed(seed: int, technicians: int, accounts: int, orders_per_month: int, force: bool):
    """Seed a believable operator month into an empty database (bin/run calls it every start;
    a database that already has technicians, ratings or imports is left as it is)."""
    present = data_present()
    if any(present.values()) and not force:
        click.echo(f"数据库已有数据（装维人员 {present['technicians']}、评价 {present['ratings']}、"
                   f"导入记录 {present['imports']}），未添加演示数据；确需补种请加 --force "
                   "(the database already has data: no demo data added)", err=True)
        return
    def progress(kind, result):
        click.echo(f"  {kind:<12} {result.created:>6} created {result.updated:>6} updated "
                   f"{result.unchanged:>6} unchanged {result.rejected_count:>4} rejected", err=True)

    results = seed_demo(tz_name=current_app.config["TIMEZONE"], seed=seed,
                        technicians=technicians, accounts=accounts,
                        orders_per_month=orders_per_month, progress=progress)
    db.session.commit()
    rejected = sum(r.rejected_count for r in results.values())
    if rejected:
        raise click.ClickException(f"demo data had {rejected} rejected rows; this is a bug")
    reviews = seed_demo_reviews(config=current_app.config, seed=seed,
                                on_batch=lambda _stats: db.session.commit())
    db.session.commit()
    click.echo(f"  ratings      {reviews['ratings']:>6} created {reviews['skipped']:>6} skipped "
               f"{reviews['planted']:>6} planted fraud; {reviews['flags']} fraud flags", err=True)
    click.echo("demo data ready")


@demo_cli.command("scan")
@with_appcontext
def scan():
    """Print a badge to scan and the account to bind, for trying the customer's H5 flow."""
    walk = scan_walkthrough(window_days=current_app.config["RATING_WINDOW_DAYS"])
    db.session.commit()
    if walk is None:
        raise click.ClickException("no rateable order: run `flask demo seed` first")
    technician, account = walk["technician"], walk["account"]
    click.echo(f"""Try the customer's side in a browser (the WeChat simulator signs you in):
  1. open the badge of {technician.name} ({technician.employee_no}, {technician.team}):
       {walk['badge_url']}
  2. press 评价服务, bind broadband account {account.account_no}; the SMS code is printed in this
     terminal's log ("SMS (not sent, log backend) …")
  3. rate order {walk['order'].order_no} and see the thank-you page""")
