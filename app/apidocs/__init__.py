"""The OpenAPI document of every JSON call, built from the views' own declarations."""
