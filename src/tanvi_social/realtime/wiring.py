from __future__ import annotations

from tanvi_social.core.platform import Platform
from tanvi_social.realtime import gdpr  # noqa: F401  (registers export/erasure)
from tanvi_social.realtime.engine import Realtime
from tanvi_social.realtime.push import PushSender
from tanvi_social.realtime.shutdown import install_uvicorn_exit_hook, register_engine


def setup(platform: Platform) -> None:
    rt = Realtime(platform)
    pusher = PushSender(platform)
    platform.extras["realtime"] = rt
    platform.extras["push"] = pusher
    platform.bus.subscribe_all(pusher.on_event)

    async def start() -> None:
        install_uvicorn_exit_hook()
        register_engine(rt)
        await rt.start()

    async def stop() -> None:
        await rt.stop()
        await pusher.close()

    platform.extras.setdefault("on_startup", []).append(start)
    platform.extras.setdefault("on_shutdown", []).append(stop)
