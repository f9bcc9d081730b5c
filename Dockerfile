# AIYO 愛遊 web app: the Gradio page + /health, /ready, /api/info on port 7860.
# The full stack (app + Qdrant + Ollama) is compose.yaml; Kubernetes manifests are in deploy/k8s/.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    AIYO_SERVER_NAME=0.0.0.0 \
    AIYO_SERVER_PORT=7860

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY app.py ./
COPY pipelines/ pipelines/
COPY assets/ assets/

# Run as an unprivileged user; the index and turn logs live in writable folders it owns.
RUN useradd --create-home --uid 10001 aiyo \
    && mkdir -p /app/indexes /app/logs \
    && chown -R aiyo:aiyo /app/indexes /app/logs
USER 10001

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/health', timeout=4)"]

CMD ["python", "app.py"]
