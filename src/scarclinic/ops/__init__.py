"""Running scarclinic as a service: health and readiness checks, Prometheus metrics,
structured request logs, the background worker with heartbeats and graceful shutdown,
object storage helpers and the migration safety rules (docs/deploy.md)."""
