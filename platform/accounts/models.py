"""User accounts and platform roles (public schema).

A user is identified by e-mail. Platform roles (admin, coordinator,
professional, complainant) are on the user; roles at a provider (admin,
staff) are ``tenants.ProviderMembership`` rows.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformRole(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platformbeheerder")
    COORDINATOR = "coordinator", _("Klachtencoördinator")
    PROFESSIONAL = "professional", _("Professional")
    COMPLAINANT = "complainant", _("Klager")


class Qualification(models.TextChoices):
    OFFICER = "officer", _("Klachtenfunctionaris")
    COMMITTEE = "committee", _("Klachtencommissie")
    CONFIDANT = "confidant", _("Vertrouwenspersoon")
    DPO = "dpo", _("Functionaris gegevensbescherming")


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("roles", [PlatformRole.PLATFORM_ADMIN])
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mailadres"), unique=True)
    display_name = models.CharField(_("naam"), max_length=150, blank=True)
    roles = ArrayField(
        models.CharField(max_length=32, choices=PlatformRole.choices),
        default=list,
        blank=True,
        verbose_name=_("platformrollen"),
    )
    preferred_language = models.CharField(
        _("voorkeurstaal"), max_length=8, default="nl", choices=[("nl", "Nederlands"), ("en", "English")]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = EmailUserManager()

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.display_name or self.email

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def get_role_labels(self) -> list[str]:
        return [str(PlatformRole(role).label) for role in self.roles if role in PlatformRole.values]


class Professional(models.Model):
    """A professional in the directory: what they may do, know, speak, and where they live.

    Matching (casework.assignment.matching) reads these fields; nothing here describes a case.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="professional")
    qualifications = ArrayField(
        models.CharField(max_length=16, choices=Qualification.choices),
        default=list,
        verbose_name=_("kwalificaties"),
    )
    sectors = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("expertise per sector")
    )
    categories = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("expertise per klachtcategorie"),
    )
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True, verbose_name=_("talen"))
    home_postcode = models.CharField(_("postcode woonplaats"), max_length=7, blank=True)
    travel_radius_km = models.PositiveSmallIntegerField(
        _("reisafstand voor bezoek op locatie (km)"), default=50
    )
    capacity = models.PositiveSmallIntegerField(_("maximaal aantal open zaken"), default=15)
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")

    def __str__(self) -> str:
        return str(self.user)


class Absence(models.Model):
    """A period in which a professional takes no new cases (dates inclusive)."""

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField(_("van"))
    ends_on = models.DateField(_("tot en met"))

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]
        verbose_name = _("afwezigheid")
        verbose_name_plural = _("afwezigheden")

    def __str__(self) -> str:
        return f"{self.professional_id}: {self.starts_on}–{self.ends_on}"


class ConflictOfInterest(models.Model):
    """A professional may not work for this provider's clients (independence)."""

    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="conflicts")
    provider = models.ForeignKey(
        "tenants.Provider", on_delete=models.CASCADE, related_name="conflicted_professionals"
    )
    reason = models.CharField(_("reden"), max_length=200, help_text=_("Bijvoorbeeld: werkte hier tot 2024"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["professional", "provider"], name="uniq_conflict_professional_provider"
            )
        ]
        verbose_name = _("belangenverstrengeling")
        verbose_name_plural = _("belangenverstrengelingen")

    def __str__(self) -> str:
        return f"{self.professional_id} x {self.provider_id}"


# Who a permission check may be asked about: a logged-in user or the anonymous one.
AnyUser = User | AnonymousUser
