"""The supervisor's page, under i18n_patterns at /supervisor/."""

from django.urls import path

from . import views

urlpatterns = [path("", views.supervisor_page, name="supervisor")]
