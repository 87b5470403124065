"""Digit conversion between ASCII, Persian (۰–۹) and Arabic-Indic (٠–٩)."""

_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def normalize_digits(value: str) -> str:
    """Return `value` with Persian and Arabic-Indic digits turned into ASCII digits."""
    return value.translate(_TO_ASCII)


def persian_digits(value: object) -> str:
    """Return `str(value)` with ASCII digits shown as Persian digits."""
    return str(value).translate(_TO_PERSIAN)
