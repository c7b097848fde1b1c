"""Static-files storage for packaged mode."""

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


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
