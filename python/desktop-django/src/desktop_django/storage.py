"""Static-files storage for packaged mode (the ``packaged`` extra: WhiteNoise).

Django imports this module only when ``STORAGES`` names it, so a core install without
WhiteNoise never reaches the import below.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage

try:
    from whitenoise.storage import CompressedManifestStaticFilesStorage
except ModuleNotFoundError as exc:
    if exc.name != "whitenoise":
        raise
    raise ImproperlyConfigured(
        "desktop_django.storage needs WhiteNoise: pip install 'desktop-django[packaged]'"
    ) from exc


class ForgivingManifestStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage, but a file missing from the manifest
    (packaged settings run from an uncollected checkout) gets its plain URL instead of
    failing the whole page with a 500."""

    manifest_strict = False

    def url(self, name, force=False):
        try:
            return super().url(name, force)
        except ValueError:
            return FileSystemStorage.url(self, name)  # the plain, unhashed URL
