"""The first-run roster (C-DATA-3). ``desktop_django`` calls ``seed_roster`` inside the
transaction that also writes its FirstRun marker."""

from .models import Pony

ROSTER = [
    ("Clover", "Calm, curious, and convinced every bucket hides an apple.", Pony.Status.GRAZING),
    ("Comet", "Fastest in the paddock and very aware of it.", Pony.Status.GALLOPING),
    ("Duchess", "Mane braided, hooves polished, patience thin.", Pony.Status.SHOW_READY),
]


def seed_roster() -> None:
    """Create exactly the three roster ponies."""
    Pony.objects.bulk_create(
        Pony(name=name, personality=notes, status=status) for name, notes, status in ROSTER
    )
