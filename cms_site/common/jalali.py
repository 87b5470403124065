"""Presentation of dates: Jalali with Persian digits in Persian, Gregorian in English.

Dates are stored as aware UTC datetimes; conversion happens only here, at the edge.
"""

import datetime

import jdatetime
from django.utils import timezone, translation

from .digits import persian_digits


def _is_persian() -> bool:
    return (translation.get_language() or "fa").split("-")[0] == "fa"


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_date(value) -> str:
    """۱۳۹۸/۰۴/۲۶ in Persian, 2019/07/17 in English."""
    if value in (None, ""):
        return ""
    value = _local(value)
    day = value.date() if isinstance(value, datetime.datetime) else value
    if _is_persian():
        return persian_digits(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"))
    return day.strftime("%Y/%m/%d")


def format_time(value) -> str:
    """۱۲:۳۰ in Persian, 12:30 in English (24-hour clock, local time)."""
    if value in (None, ""):
        return ""
    text = _local(value).strftime("%H:%M")
    return persian_digits(text) if _is_persian() else text


def format_datetime(value) -> str:
    """Date then time: ۱۳۹۸/۰۴/۲۶ ۱۲:۳۰."""
    if value in (None, ""):
        return ""
    return f"{format_date(value)} {format_time(value)}"


def localize_digits(value) -> str:
    """Numbers in Persian digits in Persian, unchanged in English."""
    return persian_digits(value) if _is_persian() else str(value)
