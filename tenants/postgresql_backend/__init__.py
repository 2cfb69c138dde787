"""The database backend: django-tenants' PostgreSQL backend with a table list that stays cheap.

``DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"``. See base.py.
"""
