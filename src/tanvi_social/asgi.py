"""The ASGI application for uvicorn (`tanvi_social.asgi:app`): what `tanvi-social serve` runs."""

from tanvi_social.app import create_app
from tanvi_social.core.serving import tune_gc

app = create_app()
tune_gc()
