"""App config: logs which engine serves each stage and warms local models when a server starts."""

import asyncio
import logging
import sys
import threading
import time
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("interviews")


def _serving() -> bool:
    argv = " ".join(sys.argv)
    # `python -m interview_project.serve` (how the project starts daphne) has the module's path as argv[0].
    serve = bool(sys.argv) and Path(sys.argv[0]).match("interview_project/serve.py")
    return serve or "daphne" in argv or "runserver" in argv


class InterviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interviews"
    verbose_name = "Interviews"

    def ready(self) -> None:
        if not _serving():
            return
        chosen = settings.INTERVIEW_PROVIDERS
        logger.info(
            "providers: stt=%s llm=%s tts=%s",
            ",".join(chosen["stt"]),
            ",".join(chosen["llm"]),
            ",".join(chosen["tts"]),
        )
        from interviews.pipeline.listening import LISTENING
        from interviews.provider_settings import provider_settings
        from interviews.providers.registry import import_providers

        # Before the server takes sessions, and before start-up's objects are frozen (asgi.py).
        import_providers(provider_settings())
        LISTENING.configure(processes=settings.INTERVIEW["LISTENING_PROCESSES"])
        if settings.WARM_PROVIDERS:
            # Load local models off the main thread so the server starts listening at once.
            threading.Thread(target=_warm, name="warm-providers", daemon=True).start()
        threading.Thread(target=_sweep_forever, name="sweep-interviews", daemon=True).start()


def _warm() -> None:
    from interviews.pipeline.listening import LISTENING
    from interviews.provider_settings import fresh_providers
    from interviews.turn_model import load_turn_model
    from interviews.vad import VAD

    async def warm() -> None:
        providers = fresh_providers()
        try:
            await providers.warm()
        finally:
            await providers.aclose()  # this loop ends here; sessions build their own
        logger.info("providers warm: %s", providers.describe())
        load_turn_model(settings.MODELS_DIR)  # hands-free end of turn
        VAD.warm()  # hands-free voice detection (in this process without listening workers)
        LISTENING.warm()  # and its worker processes

    try:
        asyncio.run(warm())
    except Exception:
        logger.exception("warming the providers failed")
    from interviews.consumers import live_session_count
    from interviews.heap import freeze_start_up

    if live_session_count() == 0:  # what loading the models made: keep it for good too
        freeze_start_up()


def _sweep_forever(interval_s: float = 60.0) -> None:
    """Expire links and mark abandoned interviews, once a minute, for as long as the server runs."""
    from datetime import timedelta

    from django.db import close_old_connections

    from interviews.services import interview_sweep

    abandon_after = timedelta(minutes=settings.INTERVIEW["ABANDON_AFTER_MINUTES"])
    while True:
        time.sleep(interval_s)
        try:
            counts = interview_sweep(abandon_after=abandon_after)
            if any(counts.values()):
                logger.info("swept interviews: %s", counts)
        except Exception:
            logger.exception("sweeping interviews failed")
        finally:
            close_old_connections()
