from collections.abc import Callable

from django.test import Client

from scarclinic.accounts.models import User
from tests.cast import Cast


def test_the_cast_physician_sees_amina_and_the_outsider_does_not(
    cast: Cast, login: Callable[[User], Client]
) -> None:
    client = login(cast.physician)
    assert client.get(f"/patients/{cast.amina.pk}/").status_code == 200
    client.logout()
    client = login(cast.outsider)
    assert client.get(f"/patients/{cast.amina.pk}/").status_code == 404
