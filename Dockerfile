FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng ffmpeg libopus0 gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Models live in the image, not in the /data volume (which would hide them).
ENV DATA_DIR=/data PORT=8000 MODELS_DIR=/app/models
RUN python scripts/fetch_models.py
RUN DJANGO_SECRET_KEY=build python manage.py compilemessages -v 0
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python -m interview_project.serve -b 0.0.0.0 -p ${PORT} interview_project.asgi:application"]
