# Two stages: the build stage installs the project (torch included) and exports the crisis
# engine's sentence encoder to ONNX; the runtime stage gets the virtualenv without torch and the
# exported graph, and runs as a non-root user.
#
#   docker build --network host -t happy-path .
#   docker build --network host --build-arg BASE_IMAGE=happy-path-base:bookworm-py311 -t happy-path .
#
# BASE_IMAGE: any Debian bookworm image with Python 3.11 and ensurepip. Where no registry can be
# reached, scripts/build_base_image.sh builds one with debootstrap and `docker import`.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/hp-cache
# Where pip finds a CPU build of torch: the default index has only CUDA builds for Linux (several
# GB). A wheel index (PIP_EXTRA_INDEX_URL) or a page of links (PIP_FIND_LINKS, e.g. a local
# directory served over HTTP while building with --network host). Nothing secret belongs here.
ARG PIP_EXTRA_INDEX_URL=""
ARG PIP_FIND_LINKS=""
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml ./
# Dependencies first, from pyproject.toml alone (empty packages and README stand in for the
# code), so a code or README change rebuilds from the COPY below instead of downloading
# everything again.
RUN mkdir -p hp_agent crisis_engine && touch README.md hp_agent/__init__.py crisis_engine/__init__.py \
    && pip install --upgrade pip && pip install "torch==2.13.0" && pip install . \
    && pip uninstall -y happy-path && rm -rf hp_agent crisis_engine build README.md
COPY README.md ./
COPY hp_agent ./hp_agent
COPY crisis_engine ./crisis_engine
RUN pip install --no-deps . && rm -rf build
# Export the encoder's ONNX graph into the cache the runtime reads (XDG_CACHE_HOME), and check
# that the service's detector loads from it.
RUN python -c "from crisis_engine.encoder import SentenceEncoder; print(SentenceEncoder.load(backend='onnx').backend)" \
    && python -c "from crisis_engine import CrisisDetector; print(CrisisDetector.load().assess('warm-up').level)"
# The service runs the graph with ONNX Runtime: torch, what only torch needs (sympy, networkx)
# and the exporter (onnxscript) stay in this stage, with whatever else the export left in the cache.
RUN pip uninstall -y torch sentence-transformers sympy mpmath networkx onnxscript onnx_ir \
    && find /opt/hp-cache -mindepth 1 -maxdepth 1 ! -name happy-path -exec rm -rf {} + \
    && find /opt/venv -name '__pycache__' -type d -prune -exec rm -rf {} + \
    && python -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is not None)"

FROM ${BASE_IMAGE}
# A fixed non-root user (written directly: a minimal base has no useradd).
RUN echo 'app:x:10001:10001::/home/app:/usr/sbin/nologin' >> /etc/passwd \
    && echo 'app:x:10001:' >> /etc/group \
    && mkdir -p /home/app/data && chown -R 10001:10001 /home/app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/hp-cache /opt/hp-cache
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY prompts ./prompts
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/hp-cache \
    HP_PROJECT_ROOT=/app \
    HP_ENVIRONMENT=production \
    HP_HOST=0.0.0.0 \
    HP_DATA_DIR=/home/app/data
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os,urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HP_PORT', '8000')).status != 200)"
# SIGTERM (docker stop) drains: sockets get 1012, in-flight messages finish, the outbox is flushed.
STOPSIGNAL SIGTERM
CMD ["hp-agent", "serve"]
