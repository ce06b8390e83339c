"""Outputs of an audit: machine exports (JSON, CSV) and the human report (HTML, PDF)."""
