"""Demand engine: interval forecast of calls and AHT, and Erlang staffing (pure)."""
