"""headshot-audit: audit a staff headshot portfolio and recommend what to do about each photo."""

__version__ = "0.1.0"
