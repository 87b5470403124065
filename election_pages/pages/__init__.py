"""Wagtail page types, their blocks and what they render (P1-P6), the public JSON API."""
