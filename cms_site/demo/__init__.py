"""The demo (development only): `manage.py demo` builds the portal pages, members, admins
and elections through the same services the product uses, and `manage.py rundev` serves
them with a Celery worker and beat. Installed by the dev and test settings, never in
production (`cms_site.settings.production` leaves it out)."""
