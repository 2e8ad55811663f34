from __future__ import annotations

import asyncio
import socket as socketlib
import time

import httpx
import jwt
import orjson
import pytest
import websockets
from httpx import AsyncClient
from sqlalchemy.orm import Session

from tanvi_social.social.notifications import notify
from tests.factories import Factory
from tests.realtime.conftest import LiveServer, sse

pytestmark = pytest.mark.usefixtures("realtime")


async def notify_user(platform, recipient: int, actor: int | None, type_: str = "like",
                      data: dict | None = None) -> int:
    def fn(session: Session) -> int:
        note = notify(session, recipient_id=recipient, actor_id=actor, type=type_,
                      target_type="post", target_id=7, data=data or {})
        assert note is not None
        return note.id

    return await platform.db.run(fn)


class TestAuth:
    async def test_anonymous_is_401_json(self, client: AsyncClient) -> None:
        response = await client.get("/api/social/notifications/stream")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    async def test_bad_token_is_401_never_anonymous(self, client: AsyncClient) -> None:
        response = await client.get("/api/social/notifications/stream",
                                    headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401
        assert response.json()["success"] is False

    async def test_ticket_needs_a_signed_in_user(self, client: AsyncClient) -> None:
        response = await client.post("/api/stream/ticket")
        assert response.status_code == 401

    async def test_ticket_works_once(self, client: AsyncClient, factory: Factory, live: LiveServer,
                                     platform) -> None:
        mia = await factory.user()
        response = await client.post("/api/stream/ticket", headers=mia.headers)
        assert response.status_code == 201
        ticket = response.json()["ticket"]
        assert ticket["expires_in"] == 60
        async with sse(live.url, params={"ticket": ticket["ticket"]}) as stream:
            await notify_user(platform, mia.id, None)
            event = await stream.next()
            assert event.event == "notification.created"
        again = await client.get("/api/social/notifications/stream",
                                 params={"ticket": ticket["ticket"]})
        assert again.status_code == 401
        assert again.json()["code"] == "ticket_used"

    async def test_expired_or_forged_ticket_is_401(self, client: AsyncClient, factory: Factory,
                                                   platform) -> None:
        mia = await factory.user()
        key = platform.settings.signing_key()
        now = int(time.time())
        expired = jwt.encode({"sub": str(mia.id), "typ": "stream", "aud": "tanvi-social-stream",
                              "jti": "x1", "iat": now - 120, "exp": now - 60}, key,
                             algorithm="HS256")
        forged = jwt.encode({"sub": str(mia.id), "typ": "stream", "aud": "tanvi-social-stream",
                             "jti": "x2", "iat": now, "exp": now + 60}, "other-key" * 4,
                            algorithm="HS256")
        for ticket, code in ((expired, "ticket_expired"), (forged, "invalid_ticket"),
                             (mia.token, "invalid_ticket")):
            response = await client.get("/api/social/notifications/stream",
                                        params={"ticket": ticket})
            assert response.status_code == 401
            assert response.json()["code"] == code

    async def test_unknown_topics_are_404(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await client.get("/api/social/notifications/stream", headers=mia.headers,
                                    params={"posts": "999999"})
        assert response.status_code == 404
        bad = await client.get("/api/social/notifications/stream", headers=mia.headers,
                               params={"posts": "1,abc"})
        assert bad.status_code == 422


class TestDelivery:
    async def test_notification_reaches_only_its_recipient(self, factory: Factory,
                                                           live: LiveServer, platform) -> None:
        mia, zoe, actor = await factory.user(), await factory.user(), await factory.user()
        async with sse(live.url, headers=mia.headers) as mia_stream, \
                sse(live.url, headers=zoe.headers) as zoe_stream:
            note_id = await notify_user(platform, mia.id, actor.id, "comment",
                                        {"preview": "<b>love</b> it"})
            event = await mia_stream.next()
            assert event.event == "notification.created"
            assert event.data["notification_id"] == note_id
            assert event.data["type"] == "comment"
            assert event.data["actor_id"] == actor.id
            assert event.data["data"] == {"preview": "<b>love</b> it"}
            assert event.id is not None
            # zoe's first event is her own notification, not mia's
            zoe_note = await notify_user(platform, zoe.id, actor.id)
            first = await zoe_stream.next()
            assert first.data["notification_id"] == zoe_note

    async def test_blocked_actor_produces_nothing(self, factory: Factory, live: LiveServer,
                                                 platform) -> None:
        from tanvi_social.social.models import Block

        mia, troll = await factory.user(), await factory.user()
        await platform.db.run(lambda s: s.add(Block(blocker_id=mia.id, blocked_id=troll.id)))
        async with sse(live.url, headers=mia.headers) as stream:
            def both(session: Session) -> None:
                assert notify(session, recipient_id=mia.id, actor_id=troll.id,
                              type="like") is None
                notify(session, recipient_id=mia.id, actor_id=None, type="system")

            await platform.db.run(both)
            event = await stream.next()
            assert event.data["type"] == "system"

    async def test_ids_increase_and_heartbeats_flow(self, factory: Factory, live: LiveServer,
                                                    platform, realtime) -> None:
        realtime.heartbeat_seconds = 0.2
        mia = await factory.user()
        async with sse(live.url, headers=mia.headers) as stream:
            await notify_user(platform, mia.id, None)
            await notify_user(platform, mia.id, None)
            first, second = await stream.next(), await stream.next()
            assert second.id > first.id
            await asyncio.sleep(0.5)
            await notify_user(platform, mia.id, None)
            await stream.next()
            assert ": ping" in stream.comments

    async def test_last_event_id_resumes_what_was_missed(self, factory: Factory,
                                                         live: LiveServer, platform) -> None:
        mia = await factory.user()
        async with sse(live.url, headers=mia.headers) as stream:
            await notify_user(platform, mia.id, None, "like")
            seen = await stream.next()
        missed = [await notify_user(platform, mia.id, None, t) for t in ("comment", "follow")]
        async with sse(live.url, headers={**mia.headers, "Last-Event-ID": str(seen.id)}) as again:
            replayed = [await again.next(), await again.next()]
            assert [e.data["notification_id"] for e in replayed] == missed
            assert all(e.id > seen.id for e in replayed)
            live_note = await notify_user(platform, mia.id, None)
            assert (await again.next()).data["notification_id"] == live_note

    async def test_unfillable_gap_says_reset(self, factory: Factory, live: LiveServer) -> None:
        mia = await factory.user()
        async with sse(live.url, headers={**mia.headers, "Last-Event-ID": "5"}) as stream:
            event = await stream.next()
            assert event.event == "stream.reset"
            assert event.data["last_event_id"] == 5


class TestBackPressure:
    async def test_slow_client_is_dropped_and_never_blocks_others(
            self, factory: Factory, live: LiveServer, platform, realtime) -> None:
        realtime.hub.queue_size = 8
        slow, fast = await factory.user(), await factory.user()
        # the slow client sends its request and then never reads (tiny receive window)
        sock = socketlib.socket(socketlib.AF_INET, socketlib.SOCK_STREAM)
        sock.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", live.port))
        sock.setblocking(False)
        _, writer = await asyncio.open_connection(sock=sock)
        writer.write(b"GET /api/social/notifications/stream HTTP/1.1\r\nHost: t\r\n"
                     b"Authorization: Bearer " + slow.token.encode() + b"\r\n\r\n")
        await writer.drain()
        for _ in range(100):
            if slow.id in realtime.hub.by_user:
                break
            await asyncio.sleep(0.02)
        blob = "x" * 60_000
        async with sse(live.url, headers=fast.headers) as fast_stream:
            start = time.perf_counter()
            reading = asyncio.create_task(_collect(fast_stream, 150))
            for n in range(1, 151):
                await notify_user(platform, slow.id, None, "like", {"blob": blob})
                await notify_user(platform, fast.id, None, "like", {"n": n})
                await asyncio.sleep(0.002)  # requests arrive over time, not in one loop tick
            got = await asyncio.wait_for(reading, 10)
            assert [e.data["data"]["n"] for e in got] == list(range(1, 151))
            assert time.perf_counter() - start < 20
        assert slow.id not in realtime.hub.by_user
        assert realtime.hub.stats["dropped_slow"] >= 1
        writer.close()


async def _collect(stream, count: int) -> list:
    return [await stream.next(timeout=5) for _ in range(count)]


class TestWebSocket:
    async def test_ticket_auth_and_delivery(self, client: AsyncClient, factory: Factory,
                                            live: LiveServer, platform) -> None:
        mia = await factory.user()
        ticket = (await client.post("/api/stream/ticket", headers=mia.headers)).json()["ticket"]
        url = f"ws://127.0.0.1:{live.port}/api/stream?ticket={ticket['ticket']}"
        async with websockets.connect(url) as ws:
            ready = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert ready["event"] == "stream.ready"
            assert ready["data"]["user_id"] == mia.id
            await ws.send(orjson.dumps({"action": "ping"}).decode())
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3))["event"] == "pong"
            await ws.send("not json")
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3))["event"] == "error"
            await ws.send(orjson.dumps({"action": "subscribe", "topic": "post:424242"}).decode())
            reply = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert reply == {"event": "error", "data": {"code": "not_found",
                                                        "topic": "post:424242"}}
            note = await notify_user(platform, mia.id, None, "follow")
            event = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert event["event"] == "notification.created"
            assert event["data"]["notification_id"] == note
            assert isinstance(event["id"], int)

    async def test_bearer_header_works_and_no_auth_closes_4401(
            self, factory: Factory, live: LiveServer) -> None:
        mia = await factory.user()
        url = f"ws://127.0.0.1:{live.port}/api/stream"
        async with websockets.connect(url, additional_headers=mia.headers) as ws:
            ready = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert ready["data"]["user_id"] == mia.id
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 3)
            assert closed.value.rcvd.code == 4401
        async with websockets.connect(url + "?ticket=forged") as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 3)
            assert closed.value.rcvd.code == 4401


class TestContentEvents:
    async def test_followers_get_post_created_others_do_not(
            self, client: AsyncClient, factory: Factory, live: LiveServer, platform) -> None:
        from tests.content.helpers import follow, make_post

        author, fan, muter, stranger = (await factory.user(), await factory.user(),
                                        await factory.user(), await factory.user())
        await follow(client, fan, author)
        await follow(client, muter, author)
        assert (await client.post("/api/social/mutes", json={"user_id": author.id},
                                  headers=muter.headers)).status_code == 201
        async with sse(live.url, headers=fan.headers) as fan_stream, \
                sse(live.url, headers=muter.headers) as muter_stream, \
                sse(live.url, headers=stranger.headers) as stranger_stream:
            hidden = await make_post(client, author, "followers only", visibility="private")
            post = await make_post(client, author, "New look #linen")
            event = await fan_stream.next()
            assert event.event == "post.created"
            assert event.data == {"post_id": post["id"], "author_id": author.id}
            assert post["id"] != hidden["id"]
            # neither the muter nor the stranger got anything: their first event is their own
            for user, stream in ((muter, muter_stream), (stranger, stranger_stream)):
                note = await notify_user(platform, user.id, None)
                assert (await stream.next()).data["notification_id"] == note

    async def test_live_counts_for_watchers_of_a_visible_post(
            self, client: AsyncClient, factory: Factory, live: LiveServer) -> None:
        from tests.content.helpers import make_post

        author, watcher, liker = await factory.user(), await factory.user(), await factory.user()
        post = await make_post(client, author, "Count me")
        private = await make_post(client, author, "secret", visibility="private")
        denied = await client.get("/api/social/notifications/stream", headers=watcher.headers,
                                  params={"posts": str(private["id"])})
        assert denied.status_code == 404
        async with sse(live.url, headers=watcher.headers,
                       params={"posts": str(post["id"])}) as stream:
            liked = await client.post(f"/api/content/posts/{post['id']}/likes",
                                      json={"like_type": "fire"}, headers=liker.headers)
            assert liked.status_code == 201, liked.text
            event = await stream.next()
            assert event.event == "post.engagement"
            assert event.data["post_id"] == post["id"]
            assert event.data["counts"]["likes"] == 1

    async def test_websocket_topic_subscription(self, client: AsyncClient, factory: Factory,
                                                live: LiveServer) -> None:
        from tests.content.helpers import make_post

        author, watcher, liker = await factory.user(), await factory.user(), await factory.user()
        post = await make_post(client, author, "Watch me")
        url = f"ws://127.0.0.1:{live.port}/api/stream"
        async with websockets.connect(url, additional_headers=watcher.headers) as ws:
            await asyncio.wait_for(ws.recv(), 3)  # stream.ready
            topic = f"post:{post['id']}"
            await ws.send(orjson.dumps({"action": "subscribe", "topic": topic}).decode())
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3)) == {
                "event": "subscribed", "data": {"topic": topic}}
            await client.post(f"/api/social/posts/{post['id']}/like", headers=liker.headers)
            event = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert event["event"] == "post.engagement"
            assert event["data"]["counts"]["likes"] == 1
            await ws.send(orjson.dumps({"action": "unsubscribe", "topic": topic}).decode())
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3))["event"] == "unsubscribed"
            await client.post(f"/api/social/posts/{post['id']}/like", headers=liker.headers)
            await ws.send(orjson.dumps({"action": "ping"}).decode())
            # the unlike after unsubscribing is not delivered: the next frame is our pong
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3))["event"] == "pong"


class TestEventRSVP:
    """RSVP changes reach whoever watches the event, live; a promotion reaches the promoted."""

    async def test_watchers_see_an_rsvp_within_a_second_others_do_not(
            self, factory: Factory, live: LiveServer, platform) -> None:
        from tests.community.conftest import make_community, make_event

        owner, guest, watcher, ws_watcher, bystander, stranger = [
            await factory.user() for _ in range(6)]
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
            event = await make_event(http, owner, max_attendees=10)
            club = await make_community(http, owner, privacy="private")
            members_only = await make_event(http, owner, community_id=club["id"])
            denied = await http.get("/api/social/notifications/stream", headers=stranger.headers,
                                    params={"events": str(members_only["id"])})
            assert denied.status_code == 404  # watching needs the right to see the event
            url = f"ws://127.0.0.1:{live.port}/api/stream"
            async with sse(live.url, headers=watcher.headers,
                           params={"events": str(event["id"])}) as watch, \
                    sse(live.url, headers=bystander.headers) as bystander_stream, \
                    websockets.connect(url, additional_headers=ws_watcher.headers) as ws:
                await asyncio.wait_for(ws.recv(), 3)  # stream.ready
                topic = f"event:{event['id']}"
                await ws.send(orjson.dumps({"action": "subscribe", "topic": topic}).decode())
                assert orjson.loads(await asyncio.wait_for(ws.recv(), 3)) == {
                    "event": "subscribed", "data": {"topic": topic}}

                started = time.perf_counter()
                answer = await http.post(f"/api/community/events/{event['id']}/rsvp",
                                         json={"response": "yes", "guest_count": 0},
                                         headers=guest.headers)
                assert answer.status_code == 200, answer.text
                seen = await watch.next(timeout=1.0)
                latency = time.perf_counter() - started
                assert latency < 1.0, f"RSVP reached the watcher after {latency:.3f} s"
                assert seen.event == "event.rsvp"
                assert seen.data == {"event_id": event["id"], "counts": answer.json()["counts"]}
                assert seen.data["counts"]["going"] == 1
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), 1.0))
                assert frame["event"] == "event.rsvp"
                assert frame["data"] == seen.data
                # the bystander watches nothing: the first event she gets is her own
                note = await notify_user(platform, bystander.id, None)
                assert (await bystander_stream.next()).data["notification_id"] == note

    async def test_waitlist_promotion_reaches_the_promoted_user_live(
            self, factory: Factory, live: LiveServer, platform) -> None:
        from tests.community.conftest import make_event, rsvp

        owner, first, second, watcher = [await factory.user() for _ in range(4)]
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
            event = await make_event(http, owner, max_attendees=1)
            assert (await rsvp(http, event["id"], first))["rsvp"]["status"] == "confirmed"
            assert (await rsvp(http, event["id"], second))["rsvp"]["status"] == "waitlisted"
            async with sse(live.url, headers=second.headers) as second_stream, \
                    sse(live.url, headers=first.headers) as first_stream, \
                    sse(live.url, headers=watcher.headers,
                        params={"events": str(event["id"])}) as watch:
                started = time.perf_counter()
                left = await http.delete(f"/api/community/events/{event['id']}/rsvp",
                                         headers=first.headers)
                assert left.status_code == 200, left.text
                note = await second_stream.next(timeout=1.0)
                latency = time.perf_counter() - started
                assert latency < 1.0, f"the promotion reached her after {latency:.3f} s"
                assert note.event == "notification.created"
                assert note.data["type"] == "event_waitlist_promoted"
                assert (note.data["target_type"], note.data["target_id"]) == (
                    "event", event["id"])
                # the watcher sees both changes in order: the place freed, then taken
                freed, taken = await watch.next(timeout=1.0), await watch.next(timeout=1.0)
                assert (freed.data["counts"]["going"], freed.data["counts"]["waitlist"]) == (0, 1)
                assert taken.data["counts"] == left.json()["counts"]
                assert (taken.data["counts"]["going"], taken.data["counts"]["waitlist"]) == (1, 0)
                mine = (await http.get(f"/api/community/events/{event['id']}",
                                       headers=second.headers)).json()["event"]["viewer_rsvp"]
                assert mine["status"] == "confirmed"
                # the one who left is told nothing about it
                own = await notify_user(platform, first.id, None)
                assert (await first_stream.next()).data["notification_id"] == own
