// Web Push in the client: the service worker (/sw.js), the browser's subscription, and the
// server's copy of it (/api/push/subscriptions). Permission is only ever asked from a click.
import { api } from "./api.js";

// Why push cannot work here, or "" when it can.
export function pushUnsupportedReason() {
  if (!window.isSecureContext) return "Push notifications need a secure (https) connection.";
  if (!("serviceWorker" in navigator)) return "This browser cannot run the background worker push notifications need.";
  if (!("PushManager" in window) || !("Notification" in window)) return "This browser does not support push notifications.";
  return "";
}

const SUBSCRIBE_TIMEOUT_MS = 20000;  // a browser whose push service is unreachable may never answer
let registering = null;
export function registerWorker() {
  registering ??= navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .catch((e) => { registering = null; throw e; });
  return registering;
}

// What the switch shows: "unsupported" | "blocked" | "on" | "off" (with a reason for the first).
export async function pushStatus() {
  const reason = pushUnsupportedReason();
  if (reason) return { state: "unsupported", reason };
  if (Notification.permission === "denied") {
    return { state: "blocked", reason: "Notifications are blocked for this site in your browser settings." };
  }
  if (Notification.permission !== "granted") return { state: "off" };
  const reg = await navigator.serviceWorker.getRegistration("/");  // registered on opt-in only
  const sub = await reg?.pushManager.getSubscription();
  return { state: sub ? "on" : "off" };
}

function keyBytes(base64url) {
  const text = atob((base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

// Explains a failed subscribe in words a person can act on.
function subscribeError(e) {
  const detail = e && e.message ? ` (${e.name}: ${e.message})` : "";
  if (e && e.name === "NotAllowedError") return "Notifications were not allowed.";
  if (e && e.name === "TimeoutError") return "The browser's push service did not answer; try again later.";
  if (e && (e.name === "AbortError" || e.name === "NotSupportedError")) {
    return `This browser has no push service available, so push notifications cannot be turned on${detail}.`;
  }
  return `Push notifications could not be turned on${detail}.`;
}

// The opt-in: ask permission (this must run from a click), subscribe, store it on the server.
export async function enablePush() {
  const reason = pushUnsupportedReason();
  if (reason) throw new Error(reason);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new Error(permission === "denied"
      ? "Notifications are blocked for this site in your browser settings."
      : "Notifications were not allowed.");
  }
  const reg = await registerWorker();
  const { vapid } = await api("/api/push/vapid-public-key");
  let sub = await reg.pushManager.getSubscription();
  const key = keyBytes(vapid.public_key);
  if (sub && !sameKey(sub.options?.applicationServerKey, key)) { await sub.unsubscribe(); sub = null; }
  try {
    sub ??= await Promise.race([
      reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      new Promise((_, reject) => setTimeout(() => reject(Object.assign(
        new Error("no answer in 20 s"), { name: "TimeoutError" })), SUBSCRIBE_TIMEOUT_MS)),
    ]);
  } catch (e) { throw new Error(subscribeError(e)); }
  try {
    await api("/api/push/subscriptions", { method: "POST", body: sub.toJSON() });
  } catch (e) {
    await sub.unsubscribe().catch(() => {});
    throw e;
  }
  return sub;
}

function sameKey(buffer, bytes) {
  if (!buffer) return true;  // the browser does not say: keep the subscription
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

// The off switch: forget the subscription on the server, then in the browser.
export async function disablePush() {
  if (pushUnsupportedReason()) return;
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return;
  try {
    await api("/api/push/subscriptions", { method: "DELETE", body: { endpoint: sub.endpoint } });
  } catch (e) { if (e.status !== 404) throw e; }
  await sub.unsubscribe();
}

// On start: re-send an existing subscription (the browser may have renewed it, or another
// account used this browser before), so the server's copy is this user's and current.
export async function syncPush() {
  if (pushUnsupportedReason() || Notification.permission !== "granted") return;
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = await reg?.pushManager.getSubscription();
  if (sub) await api("/api/push/subscriptions", { method: "POST", body: sub.toJSON() });
}

// Clicking a push notification while Tanvi is open: the worker asks this tab to show the page.
export function listenToWorker(onOpen) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "tanvi.open" && typeof data.hash === "string" && data.hash.startsWith("#/")) onOpen(data.hash);
  });
}
