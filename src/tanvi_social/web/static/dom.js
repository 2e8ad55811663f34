// DOM helpers. User text only ever reaches the page through textContent and attributes
// (never parsed as markup), so captions, names and comments cannot inject HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const ICONS = {
  bell: "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z",
  heart: "M12 20.5s-7.5-4.6-9.3-9.2C1.6 8.4 3.4 5 6.7 5c2 0 3.3 1.1 4.1 2.3h2.4C14 6.1 15.3 5 17.3 5c3.3 0 5.1 3.4 4 6.3-1.8 4.6-9.3 9.2-9.3 9.2Z",
  comment: "M4 5h16v11H8l-4 4Z",
  bookmark: "M6 3h12v18l-6-4-6 4Z",
  share: "M15 5l6 6-6 6M21 11H9a6 6 0 0 0-6 6v2",
  home: "M3 11l9-8 9 8v10h-6v-6H9v6H3Z",
  search: "M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13Zm5 11.5L21 21",
  plus: "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20Zm0 5v10M7 12h10",
  community: "M8 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Zm8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM2 20c0-3.3 2.7-6 6-6s6 2.7 6 6Zm12-5.7c.6-.2 1.3-.3 2-.3 3.3 0 6 2.7 6 6h-6",
  user: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9Zm-8 9c0-4.4 3.6-8 8-8s8 3.6 8 8Z",
  board: "M4 4h7v9H4Zm9 0h7v5h-7Zm0 7h7v9h-7ZM4 15h7v5H4Z",
};

export function icon(name, filled = false) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", filled ? "currentColor" : "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linejoin", "round");
  path.setAttribute("stroke-linecap", "round");
  svg.append(path);
  return svg;
}

export function toast(message) {
  const el = h("div", { class: "toast", role: "status" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 2600);
}

export function timeAgo(iso) {
  const seconds = Math.max(1, (Date.now() - Date.parse(iso)) / 1000);
  const steps = [[60, "s"], [60, "m"], [24, "h"], [7, "d"], [4.35, "w"], [12, "mo"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (value < size) return `${Math.floor(value)}${unit}`;
    value /= size;
  }
  return `${Math.floor(value)}y`;
}
