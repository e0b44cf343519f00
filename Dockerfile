# syntax=docker/dockerfile:1
# Build stage: a virtualenv with the project and its models; nothing of the toolchain ships.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1
# Point this at a CPU-only wheel index to keep the image small (torch from the default
# index is a CUDA build of several GB). Nothing secret belongs in build args.
ARG PIP_EXTRA_INDEX_URL=""
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hp_agent ./hp_agent
COPY crisis_engine ./crisis_engine
RUN pip install "torch==2.13.0" && pip install .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY prompts ./prompts
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    HP_PROJECT_ROOT=/app \
    HP_ENVIRONMENT=production \
    HP_HOST=0.0.0.0 \
    HP_DATA_DIR=/home/app/data
USER app
# Bake the ONNX export of the bundled embedding model into the image (the user's cache dir), so
# start-up neither exports nor fetches anything.
RUN crisis-engine assess --compact "warm-up" > /dev/null
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["hp-agent", "serve"]
