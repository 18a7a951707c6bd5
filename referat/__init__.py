"""referat: Danish municipal committee minutes as a searchable, linked archive."""

__version__ = "0.1.0"
