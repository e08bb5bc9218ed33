"""English formats: Django's, except that short dates are ISO (2026-03-12), as the clinic's
records have always shown them; templates write dates with SHORT_DATE_FORMAT so that Urdu
pages get theirs (12/03/2026)."""

from django.conf.locale.en.formats import *  # type: ignore[import-untyped]  # noqa: F403

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
