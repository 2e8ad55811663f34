"""The mobile-first web client, served at `/` (static files, no build step)."""
