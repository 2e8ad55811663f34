"""Tanvi Social: the social backbone of Tanvi Vanity AI."""

__version__ = "0.1.0"
