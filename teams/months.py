"""Calendar months, as the log, the reviews and the dashboard count them."""

import datetime


def month_of(day: datetime.date) -> datetime.date:
    """The first day of the day's month."""
    return day.replace(day=1)


def quarter_of(day: datetime.date) -> datetime.date:
    """The first day of the day's quarter."""
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month ``count`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(month: datetime.date) -> datetime.date:
    """The last day of the month."""
    return add_months(month_of(month), 1) - datetime.timedelta(days=1)


def month_range(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months from ``start``'s to ``end``'s, in order."""
    months, month = [], month_of(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months
