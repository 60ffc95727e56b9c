"""Dates and numbers as Quebec readers write them (OQLF for French)."""

from __future__ import annotations

from datetime import date

from dsn.web.formatting import age_in_years, format_date, format_datetime, format_number


def test_french_dates_are_day_month_year_in_words_with_1er() -> None:
    assert format_date("2024-03-05", "fr") == "5 mars 2024"
    assert format_date("2024-08-01", "fr") == "1er août 2024"
    assert format_date("2024-03-05", "en") == "March 5, 2024"


def test_a_date_is_shown_at_the_precision_it_was_recorded() -> None:
    assert format_date("2024", "fr") == "2024"
    assert format_date("2024-02", "fr") == "février 2024"
    assert format_date("2024-02", "en") == "February 2024"


def test_times_are_shown_in_montreal_time_with_the_french_h() -> None:
    # 19:05 UTC in winter is 14:05 in Montreal (UTC-5).
    assert format_datetime("2024-01-15T19:05:00Z", "fr") == "15 janvier 2024, 14 h 05"
    assert format_datetime("2024-01-15T19:05:00Z", "en") == "January 15, 2024, 2:05 p.m."
    # Summer time (UTC-4).
    assert format_datetime("2024-07-15T12:30:00+00:00", "fr") == "15 juillet 2024, 8 h 30"


def test_french_numbers_use_a_decimal_comma_and_a_narrow_space_between_thousands() -> None:
    assert format_number(5.4, "fr") == "5,4"
    assert format_number(1234.5, "fr") == "1\u202f234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(7, "fr") == "7"
    assert format_number(6.1, "fr", decimals=2) == "6,10"


def test_unreadable_values_are_shown_as_recorded_rather_than_hidden() -> None:
    assert format_date("sometime", "fr") == "sometime"
    assert format_date(None, "fr") == ""


def test_age_counts_whole_years_to_the_birthday() -> None:
    assert age_in_years("1980-06-15", date(2026, 6, 14)) == 45
    assert age_in_years("1980-06-15", date(2026, 6, 15)) == 46
    assert age_in_years("1980", date(2026, 6, 15)) is None
