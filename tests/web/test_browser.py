"""The web client in a real browser (Debian's Chromium driven by Playwright), on a real server.

A new user signs up, shares an outfit photo, sees it in her feed; a second user follows, likes and
comments; the first sees the notification arrive live. Screenshots at 390 × 844 (a phone) are kept
in test-artifacts/browser/.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from tanvi_social.migrations.runner import upgrade
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


async def test_sign_up_share_and_see_a_like_arrive_live(browser_executable: str,
                                                        tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    env = {"TANVI_DATABASE_URL": url, "TANVI_VAR_DIR": str(tmp_path),
           "TANVI_MEDIA_DIR": str(tmp_path / "media"), "TANVI_SECRET_KEY": "b" * 48,
           "TANVI_ENV": "test"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    photo = _outfit_jpeg(tmp_path / "outfit.jpg")
    errors: list[str] = []
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=browser_executable, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
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
