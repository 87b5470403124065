"""Template filters for dates and digits: `{{ election.start_at|jdate }}`."""

from django import template

from cms_site.common import jalali

register = template.Library()

register.filter("jdate", jalali.format_date)
register.filter("jtime", jalali.format_time)
register.filter("jdatetime", jalali.format_datetime)
register.filter("localdigits", jalali.localize_digits)
