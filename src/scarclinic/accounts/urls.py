from django.contrib.auth import views as auth_views
from django.urls import path

from scarclinic.accounts import language, two_factor_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clinic/switch/", views.switch_clinic, name="switch_clinic"),
    path("language/", language.set_language, name="set_language"),
    path("logout/everywhere/", views.sign_out_everywhere, name="logout_everywhere"),
    path("2fa/", two_factor_views.two_factor_home, name="two_factor_home"),
    path("2fa/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("2fa/recovery-codes/", two_factor_views.two_factor_new_codes, name="two_factor_new_codes"),
]
