"""Health checks and service information."""
