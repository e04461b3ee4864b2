"""Ratings (微信评价): capture, tags, the IVR/manual fallback and the effective star of an order,
service recovery (满意度修复)."""
