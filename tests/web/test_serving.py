from __future__ import annotations

from httpx import AsyncClient


class TestWebClientServing:
    async def test_index_is_served_with_versioned_assets(self, client: AsyncClient) -> None:
        r = await client.get("/")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/static/app.js?v=' in r.text
        assert "default-src 'self'" in r.headers["content-security-policy"]

    async def test_static_assets_have_types_and_cache_headers(self, client: AsyncClient) -> None:
        js = await client.get("/static/app.js")
        assert js.status_code == 200
        assert js.headers["content-type"].startswith("text/javascript")
        assert "max-age" in js.headers["cache-control"]
        css = await client.get("/static/app.css")
        assert css.headers["content-type"].startswith("text/css")
        vendor = await client.get("/static/vendor/blurhash-2.0.5.mjs")
        assert vendor.status_code == 200
        assert "export{" in vendor.text

    async def test_service_worker_is_served_from_the_root_uncached(self,
                                                                  client: AsyncClient) -> None:
        """At `/sw.js` its scope can be the whole site; `no-cache` so updates apply at once."""
        r = await client.get("/sw.js")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/javascript")
        assert r.headers["cache-control"] == "no-cache"
        assert r.headers["service-worker-allowed"] == "/"
        assert 'addEventListener("push"' in r.text
        assert 'addEventListener("notificationclick"' in r.text
        push = await client.get("/static/push.js")
        assert push.status_code == 200
        assert 'register("/sw.js", { scope: "/" })' in push.text

    async def test_path_traversal_is_refused(self, client: AsyncClient) -> None:
        for path in ("/static/../router.py", "/static/..%2Frouter.py", "/static/%2e%2e/router.py",
                     "/static/nope.js"):
            r = await client.get(path)
            assert r.status_code == 404, path
            assert r.json()["code"] == "not_found"

    async def test_client_never_writes_user_text_as_html(self) -> None:
        """The client builds the DOM with textContent; innerHTML is not used anywhere."""
        from pathlib import Path

        import tanvi_social.web as web

        static = Path(web.__file__).parent / "static"
        for script in static.glob("*.js"):
            source = script.read_text()
            assert "innerHTML" not in source, script.name
            assert "insertAdjacentHTML" not in source, script.name
            assert "document.write" not in source, script.name

    async def test_style_wrapped_view_uses_paths_the_api_serves(self, client: AsyncClient) -> None:
        """The own profile links to the Style Wrapped view, whose two calls exist in the API."""
        from pathlib import Path

        import tanvi_social.web as web

        source = (Path(web.__file__).parent / "static" / "app.js").read_text()
        assert 'href: "#/wrapped"' in source
        assert 'case "wrapped": return await wrappedView(params.get("period"));' in source
        paths = (await client.get("/openapi.json")).json()["paths"]
        for path in ("/api/inspiration/wrapped", "/api/inspiration/wrapped/card.png"):
            assert f"`{path}?period=" in source, path
            assert "get" in paths[path], path
