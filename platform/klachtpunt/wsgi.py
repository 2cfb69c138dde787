import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")
application = get_wsgi_application()

# Behind a pooler in transaction mode a request could run in another provider's
# schema: refuse to serve at all (tenants/pooling.py).
from tenants.pooling import assert_session_pooling  # noqa: E402

assert_session_pooling()
