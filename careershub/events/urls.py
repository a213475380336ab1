from django.urls import path

from careershub.events import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("calendar/", views.calendar_feeds, name="feeds"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/change/", views.event_edit, name="edit"),
    path("<int:pk>/cancel-event/", views.event_cancel, name="cancel-event"),
    path("<int:pk>/register/", views.event_register, name="register"),
    path("<int:pk>/cancel/", views.registration_cancel, name="cancel"),
    path("<int:pk>/attendance/", views.event_attendance, name="attendance"),
]
