# 3.11: the version CI tests.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY api api
COPY projections projections
COPY infra infra
# The data directory exists in the image, owned by the user, so that a named volume mounted
# there starts with that owner (Docker copies it) and the server can write its files.
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10211 guichet \
    && install -d -o guichet -g guichet -m 700 /home/guichet/data
USER guichet
ENV GUICHET_DATA_DIR=/home/guichet/data
EXPOSE 8211
CMD ["guichet", "serve", "--host", "0.0.0.0"]
