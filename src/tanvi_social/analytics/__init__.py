"""Performance and analytics: cache, monitor, metrics, analytics roll-ups, benchmarks, load test."""
