"""Jalali dates with Persian digits in Persian, Gregorian in English; stored as aware UTC."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from cms_site.common.jalali import format_date, format_datetime, format_time

UTC = datetime.UTC
# 1398/04/26 is 2019-07-17 (the seed's date); Tehran was UTC+04:30 that summer.
SEED_MOMENT = datetime.datetime(2019, 7, 17, 8, 0, tzinfo=UTC)


def test_tehran_is_the_configured_timezone(settings):
    assert settings.TIME_ZONE == "Asia/Tehran"
    assert settings.USE_TZ is True


def test_jdate_in_persian_matches_the_seed():
    with translation.override("fa"):
        assert format_date(datetime.date(2019, 7, 17)) == "۱۳۹۸/۰۴/۲۶"


def test_jdatetime_uses_tehran_local_time_and_persian_digits():
    local = SEED_MOMENT.astimezone(ZoneInfo("Asia/Tehran"))
    expected_time = local.strftime("%H:%M").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    with translation.override("fa"):
        assert format_time(SEED_MOMENT) == expected_time
        assert format_datetime(SEED_MOMENT) == f"۱۳۹۸/۰۴/۲۶ {expected_time}"


def test_jalali_date_uses_the_local_day_not_the_utc_day():
    # 21:00 UTC on 2019-07-16 is already 2019-07-17 in Tehran.
    late = datetime.datetime(2019, 7, 16, 21, 0, tzinfo=UTC)
    with translation.override("fa"):
        assert format_date(late) == "۱۳۹۸/۰۴/۲۶"


def test_english_shows_gregorian_with_ascii_digits():
    with translation.override("en"):
        assert format_date(datetime.date(2019, 7, 17)) == "2019/07/17"
        assert format_time(datetime.datetime(2019, 7, 17, 12, 30, tzinfo=ZoneInfo("Asia/Tehran"))) == "12:30"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fa", "۱۳۹۵/۰۳/۲۷ ۱۲:۳۰"), ("en", "2016/06/16 12:30")],
)
def test_template_filters(language, expected):
    moment = datetime.datetime(2016, 6, 16, 12, 30, tzinfo=ZoneInfo("Asia/Tehran"))
    template = Template("{% load jalali %}{{ moment|jdatetime }}")
    with translation.override(language):
        assert template.render(Context({"moment": moment})) == expected


def test_localdigits_filter():
    template = Template("{% load jalali %}{{ count|localdigits }}")
    with translation.override("fa"):
        assert template.render(Context({"count": 470})) == "۴۷۰"
    with translation.override("en"):
        assert template.render(Context({"count": 470})) == "470"


def test_empty_values_render_empty():
    assert format_date(None) == ""
    assert format_datetime("") == ""
