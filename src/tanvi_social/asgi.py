"""The ASGI application for uvicorn (`tanvi_social.asgi:app`)."""

from tanvi_social.app import create_app

app = create_app()
