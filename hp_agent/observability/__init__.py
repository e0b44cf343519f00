"""Operations: Prometheus metrics, structured JSON logs with request/connection ids, the ASGI
middleware that ties them to each request and socket (docs/operations.md)."""
