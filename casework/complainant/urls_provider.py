"""Provider hosts: following a complaint by secure link (no account needed)."""

from django.urls import path

from casework.complainant import views_follow as follow

urlpatterns = [
    path("volg/<str:token>/", follow.follow, name="follow"),
    path("volg/<str:token>/brieven/<int:letter_id>/", follow.letter, name="follow_letter"),
    path("volg/<str:token>/toestemming/<str:decision_slug>/", follow.consent, name="follow_consent"),
    path("volg/<str:token>/formeel/", follow.formal, name="follow_formal"),
    path("volg/<str:token>/vernieuwen/", follow.renew, name="follow_renew"),
    path("volg/<str:token>/account/", follow.account, name="follow_account"),
]
