# Pacer as a container image: `pacer run` as an unprivileged user, the SQLite file on a volume.
#
#   docker build -t pacer-bot:0.1.0 .
#   docker run -d --name pacer-bot --env-file pacer.env -v pacer-data:/data -p 127.0.0.1:3000:3000 pacer-bot:0.1.0
#
# How to run it behind HTTPS, in Socket Mode, on PostgreSQL, with a separate scheduler: docs/deploy.md.
# tests/test_container.py checks this file against the repository (the files it copies, the command it
# runs, the port, the health check, the user); building the image needs a Docker engine (docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user with a fixed id: a host folder mounted at /data instead of the named volume
# must belong to it (chown -R 10001:10001 /srv/pacer).
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin pacer \
    && mkdir -p /data \
    && chown pacer:pacer /data

# What `pip install .` needs, and nothing else (.dockerignore keeps .env, databases and tests out).
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY scoring /src/scoring
# The runtime dependencies only: no test or lint tools (the `dev` extra), not editable.
RUN pip install /src && rm -rf /src

# The database and, if you like, pacer.yml live in /data (the working directory: ./pacer.yml is read
# from here when PACER_CONFIG is not set). For PostgreSQL set DATABASE_URL=postgresql://… instead.
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:////data/pacer.db \
    HOST=0.0.0.0 \
    PORT=3000
EXPOSE 3000

USER pacer

# HTTP mode answers GET /healthz (it checks the database). Socket Mode serves no HTTP: run that
# container, and a `scheduler` one, with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# `pacer run` migrates the database, checks the bot token with Slack, then serves. Any other pacer
# command runs the same way: docker run --rm … pacer-bot:0.1.0 db status
ENTRYPOINT ["pacer"]
CMD ["run"]
