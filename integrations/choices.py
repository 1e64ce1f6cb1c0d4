"""Choice lists shared by the platform models, in the documents' words."""
from django.db import models


class LocationType(models.TextChoices):
    # Which menus a store sells from; it picks price fields and required customer types (D2).
    MEDICAL = "medical", "Medical"
    RECREATIONAL = "recreational", "Recreational"
    BOTH = "both", "Medical and recreational"


US_STATES = [
    ("AK", "Alaska"), ("AZ", "Arizona"), ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"),
    ("DE", "Delaware"), ("DC", "District of Columbia"), ("FL", "Florida"), ("HI", "Hawaii"),
    ("IL", "Illinois"), ("LA", "Louisiana"), ("MA", "Massachusetts"), ("MD", "Maryland"), ("ME", "Maine"),
    ("MI", "Michigan"), ("MN", "Minnesota"), ("MO", "Missouri"), ("MS", "Mississippi"), ("MT", "Montana"),
    ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NV", "Nevada"), ("NY", "New York"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"),
    ("VA", "Virginia"), ("VT", "Vermont"), ("WA", "Washington"), ("WV", "West Virginia"),
]

US_TIMEZONES = [
    ("America/New_York", "Eastern (America/New_York)"),
    ("America/Detroit", "Eastern (America/Detroit)"),
    ("America/Chicago", "Central (America/Chicago)"),
    ("America/Denver", "Mountain (America/Denver)"),
    ("America/Phoenix", "Mountain, no DST (America/Phoenix)"),
    ("America/Los_Angeles", "Pacific (America/Los_Angeles)"),
    ("America/Anchorage", "Alaska (America/Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Pacific/Honolulu)"),
]
