"""The Prometheus metrics, and who may read them (FINGERPOST_METRICS, docs/adr/0018).

`token` (the default): `/metrics` answers only a bearer token of an operator, like the rest of
the API: request rates and enquiry counts say how the service is used and are nobody else's
business. `port`: served instead on a separate address (FINGERPOST_METRICS_HOST and _PORT), for
a scraper on a network the public cannot reach; `/metrics` is then not found. `open`: anyone.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

__all__ = ["Metrics", "separate_port"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fingerpost_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fingerpost_http_request_seconds",
            "HTTP request latency by route.",
            ["route"],
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.enquiries = Counter(
            "fingerpost_enquiries_total", "Enquiries made.", registry=self.registry
        )
        self.signposts = Counter(
            "fingerpost_signposts_total",
            "Signposts disclosed, by confidence.",
            ["confidence"],
            registry=self.registry,
        )


@contextmanager
def separate_port(metrics: Metrics, host: str, port: int) -> Iterator[None]:
    """Serve the metrics on their own address while the service runs."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
