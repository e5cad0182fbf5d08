"""CIMBase on Ray: runs a `cimbase batch` province file on a Ray cluster (see driver.py and the README)."""

__version__ = "0.1.0"
