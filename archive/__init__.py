"""Press Archive: WARC archive, extraction, index and search for coalition press coverage."""

__version__ = "0.1.0"


def user_agent(contact_url: str) -> str:
    """The crawler's honest user agent: the project, its version, the operator's contact."""
    return f"PressArchive/{__version__} (+{contact_url}; research web archive)"
