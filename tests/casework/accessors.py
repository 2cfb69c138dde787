"""Who acts, for tests that call an action directly (views build this from the request).

Every action that creates or changes a dossier writes its access-log row
itself, so it needs to know who acts; these stand for the usual actors.
"""

from __future__ import annotations

from casework.dossier.access_log import PLATFORM_ORGANISATION, AccessChannel, Accessor

STAFF = Accessor(
    channel=AccessChannel.PLATFORM_STAFF,
    role="coordinator",
    user_label="test coordinator",
    organisation=PLATFORM_ORGANISATION,
    host="localhost",
    path="/test/",
    method="POST",
)
PROVIDER = Accessor(
    channel=AccessChannel.PROVIDER,
    role="provider_admin",
    user_label="test provider admin",
    organisation="test provider",
    host="alpha.localhost",
    path="/test/",
    method="POST",
)
COMPLAINANT = Accessor(
    channel=AccessChannel.WIDGET, role="complainant", host="alpha.localhost", path="/widget/", method="POST"
)
