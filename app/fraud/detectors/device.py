"""`shared_device`: one client IP (and device) behind ratings of several accounts of one technician,
or the technician's own address/device.

Office and carrier NAT addresses are shared by very many people, so an address seen for more than
`crowd_users` distinct WeChat users in the window says nothing and is ignored.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from app.fraud.detectors.base import (
    LOCAL, DetectorResult, RatingFacts, Sighting, clamp, hhmm, iso, rating_evidence)

ID = "shared_device"
CROWD_USERS = 20
SIGHTING_WINDOW = timedelta(days=3)


def shared_device(ratings: list[RatingFacts], *, ip_users: dict[str, int],
                  sightings: list[Sighting] = (), crowd_users: int = CROWD_USERS,
                  tz=LOCAL) -> dict[int, DetectorResult]:
    """`ratings`: one technician's ratings; `ip_users`: distinct raters per IP over all ratings in
    the window; `sightings`: the technician's own recent requests. Two findings under one id:
    several accounts rated from one address, and ratings from the technician's own address; a
    rating both find keeps the stronger."""
    results = several_accounts_one_address(ratings, ip_users=ip_users, crowd_users=crowd_users)
    for rating_id, found in technicians_own_address(
            ratings, ip_users=ip_users, sightings=sightings, crowd_users=crowd_users,
            tz=tz).items():
        if rating_id not in results or results[rating_id].score < found.score:
            results[rating_id] = found
    return results


def several_accounts_one_address(ratings: list[RatingFacts], *, ip_users: dict[str, int],
                                 crowd_users: int = CROWD_USERS) -> dict[int, DetectorResult]:
    """Ratings of several of the technician's accounts, by several WeChat users, from one
    address few people use (not an office or carrier exit)."""
    results: dict[int, DetectorResult] = {}
    by_ip: dict[str, list[RatingFacts]] = defaultdict(list)
    for r in ratings:
        if r.client_ip and ip_users.get(r.client_ip, 0) <= crowd_users:
            by_ip[r.client_ip].append(r)

    for ip, group in by_ip.items():
        accounts = {r.account_no for r in group}
        # One WeChat user rating their own several accounts from home is multi_account_rater's
        # case (weighed for families and landlords there); here it takes several identities.
        if len(accounts) < 2 or len({r.user_id for r in group}) < 2:
            continue
        agents = {r.user_agent for r in group if r.user_agent}
        same_device = len(agents) == 1 and all(r.user_agent for r in group)
        size = {2: 0.5, 3: 0.8}.get(len(accounts), 1.0)
        score = size * (1.0 if same_device else 0.6)
        users = sorted({r.user_id for r in group})
        rows = [rating_evidence(r, client_ip=ip, user_agent=r.user_agent)
                for r in sorted(group, key=lambda x: x.rated_at)]
        device_zh = "，且为同一设备（User-Agent 相同）" if same_device else ""
        device_en = ", from the same device (identical user agent)" if same_device else ""
        for r in group:
            results[r.rating_id] = DetectorResult(
                ID, clamp(score),
                f"同一网络地址 {ip} 提交了装维人员 {r.employee_no} 名下 {len(accounts)} 个不同账号的"
                f"评价（{len(users)} 个微信用户{device_zh}）；该地址本期仅 {ip_users.get(ip, 0)} "
                f"个用户使用，不是公共出口。",
                f"One address {ip} submitted ratings of {len(accounts)} different accounts of "
                f"technician {r.employee_no} ({len(users)} WeChat users{device_en}); only "
                f"{ip_users.get(ip, 0)} users used it in the window, so it is not a shared exit.",
                {"client_ip": ip, "accounts": sorted(accounts), "users": users,
                 "same_device": same_device, "ip_users": ip_users.get(ip, 0), "ratings": rows})
    return results


def technicians_own_address(ratings: list[RatingFacts], *, ip_users: dict[str, int],
                            sightings: list[Sighting] = (), crowd_users: int = CROWD_USERS,
                            tz=LOCAL) -> dict[int, DetectorResult]:
    """Ratings sent from an address (and device) the technician used for their own requests
    within SIGHTING_WINDOW of the rating."""
    results: dict[int, DetectorResult] = {}
    own = defaultdict(list)
    for s in sightings:
        own[s.client_ip].append(s)
    for r in ratings:
        if not r.client_ip or ip_users.get(r.client_ip, 0) > crowd_users:
            continue
        near = [s for s in own.get(r.client_ip, ())
                if s.technician_id == r.technician_id and abs(s.seen_at - r.rated_at) <= SIGHTING_WINDOW]
        if not near:
            continue
        same_device = any(s.user_agent and s.user_agent == r.user_agent for s in near)
        score = 1.0 if same_device else 0.85
        times = sorted(s.seen_at for s in near)
        results[r.rating_id] = DetectorResult(
            ID, score,
            f"评价来自装维人员 {r.employee_no} 本人近期使用过的网络地址 {r.client_ip}"
            f"{'和同一设备' if same_device else ''}（本人于 {hhmm(times[0], tz)} 等时间访问过），"
            f"评价时间 {hhmm(r.rated_at, tz)}。",
            f"The rating came from address {r.client_ip}{' and the device' if same_device else ''} "
            f"technician {r.employee_no} used for their own requests (e.g. {hhmm(times[0], tz)}); "
            f"rated at {hhmm(r.rated_at, tz)}.",
            {"client_ip": r.client_ip, "same_device": same_device,
             "technician_seen_at": [iso(t) for t in times[:10]],
             "ratings": [rating_evidence(r, client_ip=r.client_ip, user_agent=r.user_agent)]})
    return results
