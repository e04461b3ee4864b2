"""Who is calling: API keys for staff and upstream systems (admin calls), role checks."""
