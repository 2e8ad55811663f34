"""The web client in a real browser (Debian's Chromium driven by Playwright), on a real server.

A new user signs up, shares an outfit photo, sees it in her feed; a second user follows, likes and
comments; the first sees the notification arrive live. A second flow turns on Web Push from the
notifications page, sees a like arrive live in the open list, and follows that like's push through
the service worker to the notification and its click. A third opens a post's garment tags ("shop
the look"), finds it by colour (`colour:sage`) and opens Style Wrapped with its card. Screenshots
at 390 × 844 (a phone) are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, select

from tanvi_social.migrations.runner import upgrade
from tanvi_social.realtime.models import PushSubscription
from tests.realtime.push_helpers import Browser, running_push_stub
from tests.server import ServerProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = Path("test-artifacts/browser")

RUN = IN_CI or os.environ.get("TANVI_BROWSER") == "1"
pytestmark = [
    pytest.mark.browser, pytest.mark.slow, pytest.mark.sqlite_only,
    pytest.mark.skipif(not RUN, reason="~20 s: runs under CI=true or TANVI_BROWSER=1"),
]


def _outfit_jpeg(path: Path) -> Path:
    """A drawn outfit in real colours: camel coat, ivory top, navy trousers, on blush."""
    img = Image.new("RGB", (900, 1200), (245, 213, 220))
    d = ImageDraw.Draw(img)
    d.ellipse((390, 80, 510, 200), fill=(224, 182, 150))
    d.rectangle((330, 210, 570, 560), fill=(193, 154, 107))
    d.rectangle((390, 220, 510, 420), fill=(250, 245, 230))
    d.rectangle((350, 560, 440, 1000), fill=(30, 42, 90))
    d.rectangle((460, 560, 550, 1000), fill=(30, 42, 90))
    d.rectangle((340, 1000, 450, 1050), fill=(60, 40, 30))
    d.rectangle((450, 1000, 560, 1050), fill=(60, 40, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def browser_executable() -> str:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Chromium must be installed under CI (make test installs it)")
        pytest.skip("Chromium is not installed")
    return CHROMIUM


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _site_env(tmp_path: Path) -> dict[str, str]:
    """A migrated SQLite database and the server's settings (TANVI_ENV=test: http push ok)."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return {"TANVI_DATABASE_URL": url, "TANVI_VAR_DIR": str(tmp_path),
            "TANVI_MEDIA_DIR": str(tmp_path / "media"), "TANVI_SECRET_KEY": "b" * 48,
            "TANVI_ENV": "test"}


async def test_sign_up_share_and_see_a_like_arrive_live(browser_executable: str,
                                                        tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    env = _site_env(tmp_path)
    photo = _outfit_jpeg(tmp_path / "outfit.jpg")
    errors: list[str] = []
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=browser_executable,
                                              args=CHROMIUM_ARGS)
            context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                base_url=server.url)
            page = await context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # 1. Sign up.
            await page.goto("/#/signup")
            await page.get_by_label("Username").fill("ines_wears")
            await page.get_by_label("E-mail").fill("ines@example.com")
            await page.get_by_label("Password").fill("linen-sunday-2026")
            await page.screenshot(path=str(ARTIFACTS / "01-signup.png"))
            await page.get_by_role("button", name="Create account").click()
            await expect(page.get_by_role("heading", name="Style Community")).to_be_visible()

            # 2. Share an outfit photo with items.
            await page.get_by_role("button", name="Share Your Style").click()
            dialog = page.get_by_role("dialog")
            await dialog.locator("#photo").set_input_files(str(photo))
            await dialog.get_by_label("Caption").fill("Camel coat weather <b>not bold</b> #linen")
            await dialog.get_by_role("button", name="+ Add item").click()
            await dialog.get_by_label("Item name").fill("Camel wool coat")
            await dialog.get_by_label("Brand").fill("Arket")
            await page.screenshot(path=str(ARTIFACTS / "02-composer.png"))
            await dialog.get_by_role("button", name="Share", exact=True).click()

            # 3. It is in her feed, user text shown as text (not markup), photo loaded.
            card = page.locator("article.post").first
            await expect(card).to_contain_text("Camel coat weather <b>not bold</b>")
            await expect(card.locator(".photo img.loaded")).to_have_count(1, timeout=10_000)
            assert await card.locator("b", has_text="not bold").count() == 0
            await page.screenshot(path=str(ARTIFACTS / "03-feed.png"))
            post_id = int(await card.get_attribute("data-post-id") or 0)
            assert post_id > 0

            # 4. A second user follows, likes and comments through the API.
            async with httpx.AsyncClient(base_url=server.url) as api:
                r = await api.post("/api/auth/register", json={
                    "username": "zara_edit", "email": "zara@example.com",
                    "password": "velvet-blazer-2026"})
                assert r.status_code == 201
                zara = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
                me = await api.get("/api/auth/me", headers=zara)
                assert me.status_code == 200
                ines_id = (await api.get(f"/api/content/posts/{post_id}", headers=zara)
                           ).json()["post"]["author"]["id"]
                badge = page.locator("#unread-badge")
                before = int(await badge.inner_text() or 0) if await badge.is_visible() else 0
                assert (await api.post("/api/social/connections", headers=zara,
                                       json={"user_id": ines_id})).status_code in (200, 201)
                assert (await api.post(f"/api/content/posts/{post_id}/likes", headers=zara,
                                       json={"like_type": "love"})).status_code in (200, 201)
                assert (await api.post(f"/api/content/posts/{post_id}/comments", headers=zara,
                                       json={"content": "Obsessed with this coat"})
                        ).status_code == 201

            # 5. The notifications arrive live: the badge counts up without a reload.
            await expect(badge).to_be_visible(timeout=10_000)
            await expect(badge).not_to_have_text(str(before), timeout=10_000)
            await page.screenshot(path=str(ARTIFACTS / "04-live-badge.png"))
            await page.get_by_role("link", name="Notifications").click()
            notices = page.locator("#notification-list .notice")
            await expect(notices.first).to_be_visible()
            await expect(page.locator("#notification-list")).to_contain_text("zara_edit")
            await page.screenshot(path=str(ARTIFACTS / "05-notifications.png"))

            # 6. The comment is on the post.
            await page.goto(f"/#/post/{post_id}")
            await page.get_by_role("button", name="Comments").click()
            await expect(page.locator(".comments")).to_contain_text("Obsessed with this coat")
            await expect(page.locator("article.post")).to_contain_text("Camel wool coat")
            await page.screenshot(path=str(ARTIFACTS / "06-post.png"))
            await browser.close()
    assert errors == []


# Stands in for the browser's push service inside the page: PushManager.subscribe() answers with
# the subscription a test made (keys it holds, an endpoint on its loopback push-service stub) and
# records what the client asked for. Everything else — the permission, the worker, the VAPID key
# fetch, the POST and DELETE to the server — is the client's real code.
STUB_PUSH_SERVICE = """(sub) => {
  const calls = window.__pushCalls = { subscribe: [], unsubscribed: 0 };
  let current = null;
  const b64url = (bytes) => btoa(String.fromCharCode(...bytes))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    calls.subscribe.push({ userVisibleOnly: options.userVisibleOnly, key: b64url(key) });
    current = { endpoint: sub.endpoint, toJSON: () => sub,
      options: { userVisibleOnly: true, applicationServerKey: key },
      unsubscribe: async () => { current = null; calls.unsubscribed += 1; return true; } };
    return current;
  };
}"""


def _subscriptions(database_url: str) -> list[tuple[int, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [(r.user_id, r.endpoint) for r in conn.execute(
                select(PushSubscription.user_id, PushSubscription.endpoint))]
    finally:
        engine.dispose()


async def _register(api: httpx.AsyncClient, username: str) -> tuple[int, dict[str, str]]:
    r = await api.post("/api/auth/register", json={
        "username": username, "email": f"{username}@example.com", "password": "linen-sunday-2026"})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["user"]["id"], {"Authorization": f"Bearer {body['tokens']['access_token']}"}


async def _until(check: Any, timeout: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


async def test_push_opt_in_live_notice_and_push_through_the_service_worker(
        browser_executable: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    env = _site_env(tmp_path)
    database_url = env["TANVI_DATABASE_URL"]
    errors: list[str] = []
    async with running_push_stub() as push_service:
        with ServerProcess(env, log_path=tmp_path / "server.log") as server:
            async with httpx.AsyncClient(base_url=server.url) as api, async_playwright() as p:
                ines_id, ines = await _register(api, "ines_wears")
                _, zara = await _register(api, "zara_edit")
                r = await api.post("/api/content/posts", json={"caption": "Linen Sunday"},
                                   headers=ines)
                assert r.status_code == 201, r.text
                post_id = r.json()["post"]["id"]
                vapid = (await api.get("/api/push/vapid-public-key")).json()["vapid"]["public_key"]

                browser = await p.chromium.launch(executable_path=browser_executable,
                                                  args=CHROMIUM_ARGS)
                context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                    base_url=server.url)
                await context.grant_permissions(["notifications"], origin=server.url)
                page = await context.new_page()
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                await page.goto("/#/signin")
                await page.get_by_label("Username or e-mail").fill("ines_wears")
                await page.get_by_label("Password").fill("linen-sunday-2026")
                await page.get_by_role("button", name="Sign in").click()
                await expect(page.get_by_role("heading", name="Style Community")).to_be_visible()
                await page.get_by_role("link", name="Notifications").click()
                turn_on = page.get_by_role("button", name="Turn on push notifications")
                turn_off = page.get_by_role("button", name="Turn off push notifications")
                problem = page.locator("#push-error")
                await expect(turn_on).to_be_visible()
                assert _subscriptions(database_url) == []
                assert await page.evaluate(  # nothing is registered before the opt-in
                    'navigator.serviceWorker.getRegistration("/").then((r) => r === undefined)')

                # 1. The real opt-in. The service worker registers for the whole site. Chromium
                # has no Push API in a Playwright context (an incognito-like profile, and there is
                # no push service to reach here): then the page says why and stores nothing.
                await turn_on.click()
                await expect(turn_off.or_(problem)).to_be_visible(timeout=30_000)
                worker = await page.evaluate("""navigator.serviceWorker.getRegistration("/")
                    .then((r) => r && { scope: r.scope,
                      script: (r.active || r.waiting || r.installing).scriptURL })""")
                assert worker == {"scope": f"{server.url}/", "script": f"{server.url}/sw.js"}
                if await turn_off.is_visible():  # a browser with a working push service
                    stored = _subscriptions(database_url)
                    assert [uid for uid, _ in stored] == [ines_id]
                    await turn_off.click()
                    await expect(turn_on).to_be_visible()
                else:
                    await expect(problem).to_contain_text("no push service available")
                    await expect(turn_on).to_be_visible()
                await page.screenshot(path=str(ARTIFACTS / "07-push-unavailable.png"))
                assert _subscriptions(database_url) == []

                # 2. The same click with a push service: the client sends the server's VAPID key,
                # and stores the subscription on the server for this user.
                keys = Browser()
                endpoint = push_service.endpoint("ines-phone")
                await page.evaluate(STUB_PUSH_SERVICE, keys.subscription(endpoint))
                await turn_on.click()
                await expect(turn_off).to_be_visible()
                await expect(problem).to_be_empty()
                calls = await page.evaluate("window.__pushCalls")
                assert calls["subscribe"] == [{"userVisibleOnly": True, "key": vapid}]
                assert _subscriptions(database_url) == [(ines_id, endpoint)]
                await page.screenshot(path=str(ARTIFACTS / "08-push-on.png"))

                # 3. zara likes the post: the notice appears in the open list without a reload
                # (the SSE stream), and the server sends ines's browser an encrypted push.
                await page.evaluate("window.__samePage = true")
                liked = await api.post(f"/api/content/posts/{post_id}/likes", headers=zara,
                                       json={"like_type": "like"})
                assert liked.status_code == 201, liked.text
                await expect(page.locator("#notification-list .notice")).to_have_count(1)
                await expect(page.locator("#notification-list")).to_contain_text(
                    "zara_edit liked your post")
                assert await page.evaluate("window.__samePage") is True
                await page.screenshot(path=str(ARTIFACTS / "09-live-notice.png"))

                async def pushed() -> bool:
                    return bool(push_service.received)

                assert await _until(pushed), "the server sent no push"
                [request] = push_service.received
                message = keys.decrypt(request["body"])
                assert message["title"] == "New like"
                assert message["body"] == "@zara_edit"
                assert (message["target_type"], message["target_id"]) == ("post", post_id)

                # 4. That push, delivered to the service worker (DevTools protocol), is shown...
                cdp = await context.new_cdp_session(page)
                registrations: list[dict[str, Any]] = []
                cdp.on("ServiceWorker.workerRegistrationUpdated",
                       lambda e: registrations.extend(e["registrations"]))
                await cdp.send("ServiceWorker.enable")

                async def registered() -> bool:
                    return bool(registrations)

                assert await _until(registered)
                await cdp.send("ServiceWorker.deliverPushMessage", {
                    "origin": server.url, "registrationId": registrations[0]["registrationId"],
                    "data": orjson.dumps(message).decode()})
                shown_js = """navigator.serviceWorker.getRegistration("/")
                    .then((r) => r.getNotifications())
                    .then((ns) => ns.map((n) => ({
                      title: n.title, body: n.body, data: n.data })))"""

                async def shown() -> list[dict[str, Any]]:
                    found: list[dict[str, Any]] = await page.evaluate(shown_js)
                    return found

                assert await _until(shown) == [{
                    "title": "New like", "body": "@zara_edit",
                    "data": {"hash": f"#/post/{post_id}",
                             "notification_id": message["notification_id"]}}]

                # 5. ...and clicking it brings the open tab to the liked post. (Headless Chromium
                # has no notification to click: the worker gets the same event, made in script.)
                [sw] = context.service_workers
                await sw.evaluate("""async () => {
                    const [n] = await self.registration.getNotifications();
                    self.dispatchEvent(new NotificationEvent("notificationclick",
                                                             { notification: n }));
                }""")
                await expect(page).to_have_url(re.compile(rf"#/post/{post_id}$"))
                await expect(page.locator("article.post")).to_contain_text("Linen Sunday")
                assert await page.evaluate(shown_js) == []

                # 6. The off switch: the server forgets the subscription, then the browser.
                await page.get_by_role("link", name="Notifications").click()
                await expect(turn_off).to_be_visible()
                await turn_off.click()
                await expect(turn_on).to_be_visible()
                assert _subscriptions(database_url) == []
                assert (await page.evaluate("window.__pushCalls"))["unsubscribed"] == 1
                await browser.close()
    assert errors == []


def _solid_jpeg(rgb: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), rgb).save(buf, "JPEG", quality=92)
    return buf.getvalue()


async def _photo_post(api: httpx.AsyncClient, headers: dict[str, str], rgb: tuple[int, int, int],
                      caption: str, tags: list[dict[str, Any]]) -> int:
    r = await api.post("/api/media", headers=headers,
                       files={"file": ("look.jpg", _solid_jpeg(rgb), "image/jpeg")})
    assert r.status_code == 201, r.text
    media_id = r.json()["media"]["id"]
    for tag in tags:
        r = await api.post(f"/api/media/{media_id}/tags", headers=headers, json=tag)
        assert r.status_code == 201, r.text
    r = await api.post("/api/content/posts", headers=headers,
                       json={"caption": caption, "media_ids": [media_id]})
    assert r.status_code == 201, r.text
    post_id: int = r.json()["post"]["id"]
    return post_id


async def test_garment_tags_colour_search_and_style_wrapped(browser_executable: str,
                                                             tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    wait = 10_000
    env = _site_env(tmp_path)
    errors: list[str] = []
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        async with httpx.AsyncClient(base_url=server.url) as api, async_playwright() as p:
            # Set-up through the API: a sage look with two garment tags, a navy one without.
            _, ines = await _register(api, "ines_wears")
            sage = await _photo_post(api, ines, (156, 175, 136), "Sage linen Sunday", [
                {"x": 0.1, "y": 0.05, "w": 0.8, "h": 0.45, "category": "blazer", "brand": "Arket",
                 "price_band": "mid_range", "link": "https://shop.example/arket-blazer"},
                {"x": 0.2, "y": 0.55, "w": 0.6, "h": 0.4, "category": "trousers", "brand": "COS"}])
            navy = await _photo_post(api, ines, (0, 0, 128), "Navy for the evening", [])

            async def indexed() -> bool:  # the search index is written just after the commit
                r = await api.get("/api/search", params={"q": "colour:sage"}, headers=ines)
                return r.status_code == 200 and [h["id"] for h in r.json()["results"]] == [sage]

            assert await _until(indexed), "the sage look never reached the search index"

            browser = await p.chromium.launch(executable_path=browser_executable,
                                              args=CHROMIUM_ARGS)
            context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                base_url=server.url)
            page = await context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto("/#/signin")
            await page.get_by_label("Username or e-mail").fill("ines_wears")
            await page.get_by_label("Password").fill("linen-sunday-2026")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", name="Style Community")).to_be_visible(
                timeout=wait)

            # 1. The post shows its garment tags as "shop the look", brand first, colour measured.
            await page.goto(f"/#/post/{sage}")
            card = page.locator(f"article.post[data-post-id='{sage}']")
            await expect(card.locator(".photo img.loaded")).to_have_count(1, timeout=wait)
            shop = card.get_by_role("region", name="Shop the look")
            await expect(shop).to_be_visible(timeout=wait)
            rows = shop.locator("li")
            await expect(rows).to_have_count(2, timeout=wait)
            await expect(rows.nth(0)).to_contain_text("Arket", timeout=wait)
            await expect(rows.nth(0)).to_contain_text("blazer · sage · mid range")
            await expect(rows.nth(1)).to_contain_text("COS")
            shop_link = rows.nth(0).get_by_role("link", name="Shop")
            await expect(shop_link).to_have_attribute("href", "https://shop.example/arket-blazer")
            await expect(shop_link).to_have_attribute("rel", re.compile("noopener"))
            await shop.evaluate("(el) => el.scrollIntoView({ block: 'center' })")
            await page.screenshot(path=str(ARTIFACTS / "10-shop-the-look.png"))

            # 2. Colour search from the search page: the sage look, not the navy one.
            await page.get_by_role("link", name="Search").click()
            await page.get_by_role("searchbox", name="Search").fill("colour:sage")
            await page.get_by_role("button", name="Search", exact=True).click()
            await expect(page).to_have_url(re.compile(r"#/search\?q=colour%3Asage$"))
            results = page.locator("#main article.post")
            await expect(results).to_have_count(1, timeout=wait)
            await expect(results.first).to_have_attribute("data-post-id", str(sage))
            await expect(results.first).to_contain_text("Sage linen Sunday")
            await expect(page.locator(f"article.post[data-post-id='{navy}']")).to_have_count(0)
            await expect(results.first.locator(".photo img.loaded")).to_have_count(1, timeout=wait)
            await page.screenshot(path=str(ARTIFACTS / "11-colour-search.png"))

            # 3. Style Wrapped from her own profile: figures, colours, brands and the card image
            # (fetched with the bearer token, shown from a blob: URL).
            await page.get_by_role("link", name="Your profile").click()
            await page.get_by_role("link", name="Style Wrapped").click()
            wrapped = page.locator("section.wrapped")
            await expect(wrapped).to_be_visible(timeout=wait)
            looks = wrapped.locator(".stats > div").filter(has_text="looks")
            await expect(looks.locator("b")).to_have_text("2", timeout=wait)
            await expect(wrapped.locator(".wrapped-colours")).to_contain_text("sage")
            await expect(wrapped.locator(".wrapped-colours")).to_contain_text("navy")
            await expect(wrapped).to_contain_text("Arket")
            card_img = page.get_by_role("img", name=re.compile("^Style Wrapped card for "))
            await expect(card_img).to_have_attribute("src", re.compile("^blob:"), timeout=wait)
            await page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                         arg=await card_img.element_handle(), timeout=wait)
            assert await card_img.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [
                1080, 1350]
            await expect(page.get_by_role("link", name="Download card")).to_be_visible()
            await card_img.scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / "12-style-wrapped.png"))
            await browser.close()
    assert errors == []
