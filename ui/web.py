"""Placeholder replaced by the web UI module."""
