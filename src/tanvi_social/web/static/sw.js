// Tanvi service worker (served as /sw.js so its scope is the whole site): Web Push only.
// A push shows a system notification; clicking it focuses an open Tanvi tab on the right page,
// or opens one. It caches nothing: the client is always loaded from the network.
const ROUTES = { post: "post", user: "u", challenge: "challenge" };

function targetHash(data) {
  const id = Number(data.target_id);
  if (ROUTES[data.target_type] && Number.isInteger(id) && id > 0) return `#/${ROUTES[data.target_type]}/${id}`;
  if (data.target_type === "event" || data.target_type === "community") return "#/community";
  return "#/notifications";
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data?.text() ?? "" }; }
  const title = typeof data.title === "string" && data.title ? data.title : "Tanvi";
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    tag: data.notification_id ? `notification-${data.notification_id}` : undefined,
    data: { hash: targetHash(data), notification_id: data.notification_id ?? null },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const hash = event.notification.data?.hash || "#/notifications";
  const url = new URL(`/${hash}`, self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((c) => new URL(c.url).origin === self.location.origin);
    if (open) {
      open.postMessage({ type: "tanvi.open", hash });
      return open.focus();
    }
    return self.clients.openWindow(url);
  })());
});
