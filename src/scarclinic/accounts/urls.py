from django.contrib.auth import views as auth_views
from django.urls import path

from scarclinic.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clinic/switch/", views.switch_clinic, name="switch_clinic"),
    path("logout/everywhere/", views.sign_out_everywhere, name="logout_everywhere"),
]
