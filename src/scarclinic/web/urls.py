from django.urls import include, path

from scarclinic.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("portal/", include("scarclinic.portal.urls")),
]
