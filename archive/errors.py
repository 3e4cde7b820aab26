"""Errors a user can cause: the CLI turns each into one clear line."""


class PressArchiveError(Exception):
    """Base class of errors whose message is meant for the user."""


class ConfigError(PressArchiveError):
    """The source configuration or a setting is wrong."""


class UnusableArchive(PressArchiveError):
    """The archive directory, its index or its crawl state is missing or unreadable."""
