from django.urls import include, path

from .vendors import VENDORS

urlpatterns = [path(impl.path, include(impl.urlpatterns())) for impl in VENDORS.values()]
