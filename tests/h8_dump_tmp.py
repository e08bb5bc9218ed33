import os
import re
import pytest
from django.test import Client
from scarclinic.accounts.models import User
from tests.test_urdu_pages import demo, english_left, visible_text, Demo  # noqa: F401

NAMES = os.environ.get("H8_PAGES", "").split(",")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", NAMES)
def test_dump(demo: Demo, name: str) -> None:
    page = demo.pages[name]
    client = Client()
    client.force_login(User.objects.get(username=page.role))
    html = client.get(page.path).content.decode()
    open(f"/tmp/h8/{name}.html", "w").write(html)
    text = visible_text(html)
    eng = english_left(text, demo.names)
    open(f"/tmp/h8/{name}.txt", "w").write(text)
    with open(f"/tmp/h8/{name}.eng", "w") as f:
        for e in eng:
            for m in re.finditer(re.escape(e), text):
                f.write(f"{e!r}: ...{text[max(0,m.start()-60):m.end()+60]}...\n")
                break
    print(name, eng)
