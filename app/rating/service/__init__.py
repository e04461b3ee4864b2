"""Rating operations, one module per concern: `submit` (the rules of a new rating), `orders`
(what can be rated, effective stars, a technician's own ratings), `customer` (an order as one
customer may see it, follow-up comments), `replays` (Idempotency-Key), `presence` (a month's
ratings with 在场扫码, presence share) and `recovery` (满意度修复). Other domains import from here."""
from app.rating.service.customer import CustomerOrder, add_follow_up, customer_order
from app.rating.service.orders import (
    completions_with_rating, describe_order, effective_orders, effective_star_of, has_bindings,
    in_window, is_bound, latest_unrated_order, order_by_id, order_callbacks, rateable_order,
    rateable_orders, rateable_orders_page, ratings_of_technician, recently_rated_orders,
    valid_rating)
from app.rating.service.presence import (
    PresenceShare, RatingLine, count_lines, month_ratings, presence_share_by_technician,
    rating_lines)
from app.rating.service.recovery import (
    claim_recovery_task, close_recovery_task, connect_import_listeners, get_recovery_task,
    list_recovery_tasks, open_recovery_for_dissatisfied_callbacks, open_recovery_task,
    ratings_of_orders)
from app.rating.service.replays import find_replay, remember_answer, request_fingerprint
from app.rating.service.submit import (
    CHANNEL_APP, RECENT_RATINGS, AlreadyRated, OrderNotFound, RatedOrder, SubmittedRating,
    rated_order, rating_submitted, submit_rating, tag_catalogue)

__all__ = [
    "AlreadyRated", "CHANNEL_APP", "RECENT_RATINGS", "CustomerOrder", "OrderNotFound",
    "PresenceShare", "RatedOrder",
    "RatingLine", "SubmittedRating", "add_follow_up", "claim_recovery_task", "close_recovery_task",
    "completions_with_rating", "connect_import_listeners", "count_lines", "customer_order",
    "describe_order", "effective_orders", "effective_star_of", "find_replay", "get_recovery_task",
    "has_bindings", "in_window", "is_bound", "latest_unrated_order", "list_recovery_tasks",
    "month_ratings", "open_recovery_for_dissatisfied_callbacks", "open_recovery_task",
    "ratings_of_orders",
    "order_by_id", "order_callbacks", "presence_share_by_technician", "rateable_order",
    "rateable_orders", "rateable_orders_page", "rated_order", "rating_lines", "rating_submitted",
    "ratings_of_technician", "recently_rated_orders", "remember_answer", "request_fingerprint",
    "submit_rating", "tag_catalogue", "valid_rating",
]
