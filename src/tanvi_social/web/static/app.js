// Tanvi web client: a small single-page app over the public API (hash routes, no build step).
import { api, apiBlob, ApiError, clearTokens, saveTokens, streamTicket, tokens } from "./api.js";
import { h, icon, timeAgo, toast } from "./dom.js";
import { disablePush, enablePush, listenToWorker, pushStatus, syncPush } from "./push.js";
import { decode } from "./vendor/blurhash-2.0.5.mjs";

const app = document.getElementById("app");
const state = { me: null, unread: 0, stream: null, feedTab: "following" };

// ---------- shared pieces ----------
function avatar(user, size = 44) {
  const url = user?.avatar_url;
  if (url) return h("img", { class: "avatar", src: url, alt: "", width: size, height: size });
  const name = user?.display_name || user?.username || "?";
  return h("span", { class: "avatar", "aria-hidden": "true" }, name.slice(0, 1).toUpperCase());
}

function displayName(user) { return user?.display_name || user?.username || "someone"; }

function photo(media, { eager = false } = {}) {
  const box = h("div", { class: "photo" });
  if (!media) return box;
  if (media.blurhash) {
    try {
      const canvas = h("canvas", { width: 32, height: 40, "aria-hidden": "true" });
      const pixels = decode(media.blurhash, 32, 40);
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(32, 40);
      image.data.set(pixels);
      ctx.putImageData(image, 0, 0);
      box.append(canvas);
    } catch { /* an invalid hash only costs the placeholder */ }
  }
  const src = media.urls?.feed || media.urls?.original || media.url;
  const img = h("img", { src, alt: media.alt_text || "Outfit photo", loading: eager ? "eager" : "lazy",
    width: media.width, height: media.height });
  img.addEventListener("load", () => img.classList.add("loaded"));
  box.append(img);
  return box;
}

function topbar(title) {
  const badge = h("span", { class: "badge", hidden: state.unread ? false : true, id: "unread-badge" },
    String(state.unread));
  return h("header", { class: "topbar" },
    h("h1", {}, title),
    h("a", { class: "icon-btn", href: "#/notifications", "aria-label": "Notifications" },
      icon("bell", true), badge));
}

function bottomNav(active) {
  const link = (href, name, label) => h("a", { href, "aria-label": label,
    "aria-current": active === name ? "page" : false }, icon(name, name === "home"));
  return h("nav", { class: "bottom-nav", "aria-label": "Main" },
    link("#/", "home", "Home"), link("#/search", "search", "Search"),
    link("#/create", "plus", "Share your style"), link("#/community", "community", "Community"),
    link("#/boards", "board", "Mood boards"),
    link(`#/u/${state.me?.id ?? ""}`, "user", "Your profile"));
}

function page(active, title, ...content) {
  app.replaceChildren(topbar(title), h("main", { id: "main" }, ...content), bottomNav(active),
    h("button", { class: "fab", type: "button", onclick: () => openComposer() }, "Share Your Style"));
}

function setUnread(n) {
  state.unread = Math.max(0, n);
  const badge = document.getElementById("unread-badge");
  if (badge) { badge.textContent = String(state.unread); badge.hidden = state.unread === 0; }
}

// ---------- post cards ----------
const postsOf = (data) => data.posts || data.items || data.feed || [];
const counts = (p) => ({
  likes: p.like_count ?? p.likes_count ?? p.likes ?? 0,
  comments: p.comment_count ?? p.comments_count ?? p.comments ?? 0,
});

function postCard(post) {
  const author = post.author || post.user || {};
  const viewer = post.viewer || {};
  let liked = !!viewer.liked;
  let saved = !!viewer.saved;
  let { likes, comments } = counts(post);
  const likeCount = h("span", {}, String(likes));
  const likeBtn = h("button", { class: "action", type: "button", "aria-pressed": String(liked),
    "aria-label": "Like" }, icon("heart", liked), likeCount);
  likeBtn.addEventListener("click", async () => {
    try {
      if (liked) await api(`/api/content/posts/${post.id}/likes`, { method: "DELETE" });
      else await api(`/api/content/posts/${post.id}/likes`, { method: "POST", body: { like_type: "like" } });
      liked = !liked; likes += liked ? 1 : -1;
      likeBtn.setAttribute("aria-pressed", String(liked));
      likeBtn.replaceChildren(icon("heart", liked), likeCount);
      likeCount.textContent = String(likes);
    } catch (e) { toast(e.message); }
  });
  const saveBtn = h("button", { class: "action", type: "button", "aria-pressed": String(saved),
    "aria-label": "Save" }, icon("bookmark", saved));
  saveBtn.addEventListener("click", async () => {
    try {
      if (saved) await api(`/api/content/posts/${post.id}/saves`, { method: "DELETE" });
      else await api(`/api/content/posts/${post.id}/saves`, { method: "POST", body: { notes: "" } });
      saved = !saved;
      saveBtn.setAttribute("aria-pressed", String(saved));
      saveBtn.replaceChildren(icon("bookmark", saved));
      toast(saved ? "Saved" : "Removed from saves");
    } catch (e) { toast(e.message); }
  });
  const shareBtn = h("button", { class: "action", type: "button", "aria-label": "Share" }, icon("share"));
  shareBtn.addEventListener("click", async () => {
    try {
      const data = await api(`/api/content/posts/${post.id}/shares`, { method: "POST",
        body: { share_type: "external", share_platform: "copy_link" } });
      const url = data.share_url || data.share?.share_url || location.href;
      await navigator.clipboard?.writeText(url).catch(() => {});
      toast("Link copied");
    } catch (e) { toast(e.message); }
  });
  const commentList = h("div", { class: "comments", hidden: true });
  const commentCount = h("span", {}, String(comments));
  const commentBtn = h("button", { class: "action", type: "button", "aria-label": "Comments",
    "aria-expanded": "false" }, icon("comment"), commentCount);
  commentBtn.addEventListener("click", async () => {
    const open = commentList.hidden;
    commentList.hidden = !open;
    commentBtn.setAttribute("aria-expanded", String(open));
    if (open) await loadComments(post, commentList, () => { comments += 1; commentCount.textContent = String(comments); });
  });
  const media = (post.media || [])[0] || (post.image_url ? { urls: { feed: post.image_url } } : null);
  const palette = media?.palette || [];
  return h("article", { class: "card post", dataset: { postId: post.id } },
    h("div", { class: "post-head" }, avatar(author),
      h("div", {}, h("a", { class: "author", href: `#/u/${author.id}` }, displayName(author)),
        h("div", { class: "muted" }, `@${author.username || ""} · ${timeAgo(post.created_at)}`,
          post.reason ? ` · ${post.reason}` : ""))),
    media ? photo(media) : null,
    post.caption ? h("p", { class: "caption" }, post.caption) : null,
    palette.length ? h("div", { class: "swatches", "aria-label": "Outfit colours" },
      palette.slice(0, 6).map((c) => h("span", { class: "swatch", title: c.name || c.hex,
        style: `background:${/^#[0-9a-fA-F]{6}$/.test(c.hex) ? c.hex : "#ccc"}` }))) : null,
    (post.outfit_items || []).length ? h("ul", { class: "items" },
      post.outfit_items.map((i) => h("li", {}, [i.name, i.brand && `· ${i.brand}`, i.colour || i.color].filter(Boolean).join(" ")))) : null,
    (post.hashtags || []).length ? h("div", { class: "tags" },
      post.hashtags.map((t) => h("a", { class: "tag", href: `#/search?q=${encodeURIComponent("#" + t)}` }, `#${t}`))) : null,
    h("div", { class: "actions" }, likeBtn, commentBtn, saveBtn, shareBtn),
    commentList);
}

async function loadComments(post, box, onAdded) {
  box.replaceChildren(h("p", { class: "muted" }, "Loading comments…"));
  try {
    const data = await api(`/api/content/posts/${post.id}/comments`);
    const list = data.comments || [];
    const input = h("input", { name: "body", maxlength: 1000, placeholder: "Add a comment…",
      "aria-label": "Add a comment", required: true });
    const form = h("form", { class: "row" }, input, h("button", { class: "btn", type: "submit" }, "Post"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const res = await api(`/api/content/posts/${post.id}/comments`, { method: "POST", body: { content: input.value } });
        const c = res.comment || res;
        form.before(commentEl(c));
        input.value = "";
        onAdded();
      } catch (e) { toast(e.message); }
    });
    box.replaceChildren(...list.map(commentEl), form);
  } catch (e) { box.replaceChildren(h("p", { class: "error" }, e.message)); }
}

function commentEl(c) {
  const who = c.author || c.user || {};
  return h("div", { class: "comment" }, h("b", {}, displayName(who)), c.body || c.content || "");
}

// ---------- home ----------
async function homeView() {
  const feed = h("section", { class: "feed", "aria-label": "Posts" });
  const sentinel = h("div", { class: "empty" }, "Loading…");
  const tabs = h("div", { class: "tabs", role: "tablist" },
    ["following", "for you"].map((t) => h("button", { class: "tab", role: "tab", type: "button",
      "aria-selected": String(state.feedTab === t), onclick: () => { state.feedTab = t; route(); } },
      t === "following" ? "Following" : "For you")));
  const side = h("aside", { class: "side" }, challengeCard(), trendingCard());
  page("home", "Style Community", h("div", { class: "layout" }, h("div", {}, tabs, feed, sentinel), side));
  let cursor = null; let done = false; let busy = false;
  const path = state.feedTab === "following" ? "/api/inspiration/feed/following" : "/api/inspiration/feed";
  async function more() {
    if (busy || done) return;
    busy = true;
    try {
      const data = await api(`${path}?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      const posts = postsOf(data);
      posts.forEach((item) => feed.append(postCard(item.post ? { ...item.post, reason: item.reason } : item)));
      cursor = data.next_cursor;
      done = !cursor || posts.length === 0;
      sentinel.textContent = done ? (feed.children.length ? "You're all caught up ✨" :
        "Nothing here yet — follow a few people or share your first look.") : "";
    } catch (e) { sentinel.textContent = e.message; done = true; }
    busy = false;
  }
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(); })
    .observe(sentinel);
  await more();
}

function challengeCard() {
  const card = h("section", { class: "card challenge", "aria-label": "Style challenge" },
    h("div", { class: "label" }, "STYLE CHALLENGE"), h("div", { class: "body" }, h("p", {}, "Loading…")));
  api("/api/content/challenges?status=open&per_page=1").then((data) => {
    const c = (data.challenges || [])[0];
    const body = card.querySelector(".body");
    if (!c) { body.replaceChildren(h("p", {}, "No open challenge right now.")); return; }
    body.replaceChildren(h("h3", {}, c.title || c.name), h("p", {}, c.description || "Submit your look!"),
      h("a", { class: "btn", href: `#/challenge/${c.id}` }, "Submit your look"));
  }).catch(() => card.querySelector(".body").replaceChildren(h("p", {}, "Challenges are unavailable.")));
  return card;
}

function trendingCard() {
  const list = h("ol", {});
  const card = h("section", { class: "card trending", "aria-label": "Trending hashtags" },
    h("h3", {}, "Trending Hashtags"), list);
  api("/api/inspiration/trends?category=hashtag").then((data) => {
    const trends = (data.trends || []).slice(0, 6);
    if (!trends.length) { list.replaceChildren(h("li", { class: "muted" }, "No trends detected yet.")); return; }
    list.replaceChildren(...trends.map((t) => h("li", {},
      h("a", { href: `#/search?q=${encodeURIComponent("#" + (t.term || t.name))}` }, `#${t.term || t.name}`),
      t.stage ? h("span", { class: "stage" }, t.stage) : null)));
  }).catch(() => list.replaceChildren(h("li", { class: "muted" }, "Trends are unavailable.")));
  return card;
}

// ---------- composer ----------
function openComposer() {
  const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", id: "photo", name: "photo" });
  const preview = h("img", { class: "preview", alt: "", hidden: true });
  const caption = h("textarea", { id: "caption", maxlength: 2200, placeholder: "Casual neutrals today… #linen" });
  const occasion = h("select", { id: "occasion" }, ["", "casual", "work", "party", "date", "wedding", "travel", "sport"]
    .map((o) => h("option", { value: o }, o || "Any occasion")));
  const visibility = h("select", { id: "visibility" }, [["public", "Everyone"], ["followers", "Followers"], ["private", "Only me"]]
    .map(([v, l]) => h("option", { value: v }, l)));
  const items = h("div", {});
  const addItem = () => items.append(h("div", { class: "item-row" },
    h("input", { placeholder: "Item (e.g. linen blazer)", "aria-label": "Item name", name: "item-name" }),
    h("input", { placeholder: "Category", "aria-label": "Category", name: "item-category" }),
    h("input", { placeholder: "Colour", "aria-label": "Colour", name: "item-colour" }),
    h("input", { placeholder: "Brand", "aria-label": "Brand", name: "item-brand" }),
    h("button", { type: "button", class: "btn secondary", "aria-label": "Remove item",
      onclick: (e) => e.target.closest(".item-row").remove() }, "×")));
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { class: "btn rose", type: "submit" }, "Share");
  file.addEventListener("change", () => {
    if (file.files[0]) { preview.src = URL.createObjectURL(file.files[0]); preview.hidden = false; }
  });
  const form = h("form", { method: "dialog" },
    h("h2", {}, "Share your style"),
    h("div", { class: "field" }, h("label", { for: "photo" }, "Outfit photo"), file, preview),
    h("div", { class: "field" }, h("label", { for: "caption" }, "Caption"), caption),
    h("div", { class: "row" },
      h("div", { class: "field", style: "flex:1" }, h("label", { for: "occasion" }, "Occasion"), occasion),
      h("div", { class: "field", style: "flex:1" }, h("label", { for: "visibility" }, "Who can see it"), visibility)),
    h("div", { class: "field" }, h("label", {}, "Outfit items"), items,
      h("button", { type: "button", class: "btn secondary", onclick: addItem }, "+ Add item")),
    error,
    h("div", { class: "row" }, submit,
      h("button", { type: "button", class: "btn secondary", onclick: () => dialog.close() }, "Cancel")));
  const dialog = h("dialog", { "aria-label": "Share your style" }, form);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true; error.textContent = "";
    try {
      const mediaIds = [];
      if (file.files[0]) {
        const fd = new FormData();
        fd.append("file", file.files[0]);
        const uploaded = await api("/api/media", { method: "POST", form: fd });
        mediaIds.push((uploaded.media || uploaded).id);
      }
      const outfit_items = [...items.querySelectorAll(".item-row")].map((row) => ({
        name: row.querySelector("[name=item-name]").value.trim(),
        category: row.querySelector("[name=item-category]").value.trim() || undefined,
        colour: row.querySelector("[name=item-colour]").value.trim() || undefined,
        brand: row.querySelector("[name=item-brand]").value.trim() || undefined,
      })).filter((i) => i.name);
      await api("/api/content/posts", { method: "POST", body: { caption: caption.value,
        media_ids: mediaIds, outfit_items, occasion: occasion.value || undefined, visibility: visibility.value } });
      dialog.close();
      toast("Posted ✨");
      state.feedTab = "following";
      location.hash = "#/";
      route();
    } catch (e) { error.textContent = e.message; }
    submit.disabled = false;
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

// ---------- profile ----------
async function profileView(id) {
  const content = h("div", { class: "list" }, h("p", { class: "empty" }, "Loading…"));
  page("user", "Profile", content);
  try {
    const data = await api(`/api/social/profiles/${id}`);
    const p = data.profile;
    const isMe = Number(id) === state.me?.id;
    const following = p.connection?.status || p.viewer?.following || p.is_following;
    const followBtn = isMe ? h("button", { class: "btn secondary", type: "button", onclick: signOut }, "Sign out")
      : h("button", { class: "btn", type: "button" }, following ? "Following" : "Follow");
    if (!isMe) followBtn.addEventListener("click", async () => {
      try {
        if (followBtn.textContent === "Follow") {
          const r = await api("/api/social/connections", { method: "POST", body: { user_id: Number(id) } });
          followBtn.textContent = (r.connection?.status || r.connection?.state) === "pending" ? "Requested" : "Following";
        } else {
          await api(`/api/social/connections/${id}`, { method: "DELETE" });
          followBtn.textContent = "Follow";
        }
      } catch (e) { toast(e.message); }
    });
    const stat = (n, label) => h("div", {}, h("b", {}, String(n ?? 0)), h("span", { class: "muted" }, label));
    const posts = await api(`/api/content/posts?user_id=${id}&per_page=30`).catch(() => ({ posts: [] }));
    content.replaceChildren(
      h("section", { class: "card" },
        h("div", { class: "profile-head" }, avatar(p),
          h("div", {}, h("h2", { style: "margin:0" }, displayName(p)), h("div", { class: "muted" }, `@${p.username || ""}`),
            p.location ? h("div", { class: "muted" }, p.location) : null)),
        p.bio ? h("p", { class: "caption" }, p.bio) : null,
        h("div", { class: "stats" }, stat(p.posts_count, "posts"), stat(p.followers_count, "followers"),
          stat(p.following_count, "following")),
        (p.style_tags || []).length ? h("div", { class: "tags" }, p.style_tags.map((t) => h("span", { class: "tag" }, t))) : null,
        h("div", { class: "row" }, followBtn,
          isMe ? h("a", { class: "btn rose", href: "#/wrapped" }, "Style Wrapped") : null)),
      h("section", { class: "grid", "aria-label": "Posts" },
        postsOf(posts).map((post) => h("a", { href: `#/post/${post.id}`, "aria-label": post.caption || "Post" },
          photo((post.media || [])[0] || (post.image_url ? { urls: { feed: post.image_url } } : null))))));
  } catch (e) { content.replaceChildren(h("p", { class: "empty" }, e.status === 404 ? "This profile is not available." : e.message)); }
}

async function postView(id) {
  const box = h("div", { class: "feed" }, h("p", { class: "empty" }, "Loading…"));
  page("home", "Post", box);
  try {
    const data = await api(`/api/content/posts/${id}`);
    const card = postCard(data.post);
    box.replaceChildren(card);
    const shop = await api(`/api/content/posts/${id}/shop`).catch(() => ({ items: [] }));
    const list = shopTheLook(shop.items || []);
    if (list) card.querySelector(".actions").before(list);
  } catch (e) { box.replaceChildren(h("p", { class: "empty" }, e.status === 404 ? "This post is not available." : e.message)); }
}

// The garments tagged on the photo ("shop the look"), plus outfit items that carry a shop link
// (the others are already in the card's item list).
function shopTheLook(items) {
  const shown = items.filter((i) => i.source === "photo_tag" || i.link);
  if (!shown.length) return null;
  return h("section", { class: "shop", "aria-label": "Shop the look" },
    h("h3", {}, "Shop the look"),
    h("ul", { class: "shop-list" }, shown.map((i) => h("li", {},
      h("span", { class: "swatch", title: i.colour || "", style: `background:${/^#[0-9a-fA-F]{6}$/.test(i.colour_hex || "") ? i.colour_hex : "#ccc"}` }),
      h("span", { class: "shop-what" }, h("b", {}, i.brand || i.name || i.category),
        h("span", { class: "muted" }, [i.brand ? i.name || i.category : null, i.colour,
          i.price_band?.replaceAll("_", " "), i.fit && `fits ${i.fit}`].filter(Boolean).join(" · "))),
      /^https?:\/\//.test(i.link || "") ? h("a", { class: "btn secondary", href: i.link, target: "_blank",
        rel: "noopener noreferrer nofollow" }, "Shop") : null))));
}

// ---------- style wrapped ----------
const PERIOD = /^\d{4}(-(0[1-9]|1[0-2]))?$/;
const thisMonth = () => new Date().toISOString().slice(0, 7);
const percent = (share) => `${Math.round(share * 100)}%`;

async function wrappedView(period) {
  period = PERIOD.test(period || "") ? period : thisMonth();
  const isYear = period.length === 4;
  const month = h("input", { type: "month", value: isYear ? `${period}-01` : period, "aria-label": "Month",
    required: true });
  const wholeYear = h("input", { type: "checkbox", id: "wrapped-year", checked: isYear, style: "width:auto" });
  const form = h("form", { class: "row wrapped-form" }, month,
    h("label", { class: "check", for: "wrapped-year" }, wholeYear, "Whole year"),
    h("button", { class: "btn", type: "submit" }, "Show"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const chosen = month.value || thisMonth();
    location.hash = `#/wrapped?period=${wholeYear.checked ? chosen.slice(0, 4) : chosen}`;
  });
  const body = h("div", { class: "list" }, h("p", { class: "empty" }, "Loading…"));
  page("user", "Style Wrapped", form, body);
  try {
    const w = (await api(`/api/inspiration/wrapped?period=${encodeURIComponent(period)}`)).wrapped;
    const card = h("img", { class: "wrapped-card", alt: `Style Wrapped card for ${w.label}`, width: 1080, height: 1350 });
    const download = h("a", { class: "btn secondary", download: `style-wrapped-${w.period}.png`, hidden: true }, "Download card");
    body.replaceChildren(wrappedSummary(w),
      h("section", { class: "card wrapped-share" }, h("h3", {}, "Your card"), card, h("div", { class: "row" }, download)));
    const blob = await apiBlob(`/api/inspiration/wrapped/card.png?period=${encodeURIComponent(w.period)}`);
    if (state.wrappedUrl) URL.revokeObjectURL(state.wrappedUrl);
    state.wrappedUrl = URL.createObjectURL(blob);
    card.src = state.wrappedUrl;
    download.href = state.wrappedUrl;
    download.hidden = false;
  } catch (e) { body.replaceChildren(h("p", { class: "error" }, e.message)); }
}

function wrappedSummary(w) {
  const t = w.totals;
  const stat = (n, label) => h("div", {}, h("b", {}, String(n)), h("span", { class: "muted" }, label));
  const ranking = (title, terms) => h("div", {}, h("h3", {}, title), terms.length
    ? h("ol", { class: "wrapped-terms" }, terms.map((x) => h("li", {}, x.name, h("span", { class: "muted" }, ` · ${x.posts} ${x.posts === 1 ? "look" : "looks"}`))))
    : h("p", { class: "muted" }, "Nothing tagged yet."));
  return h("section", { class: "card wrapped" },
    h("div", { class: "label" }, "STYLE WRAPPED"),
    h("h2", {}, w.label),
    w.status === "future" ? h("p", { class: "muted" }, "This period has not started yet.")
      : t.posts === 0 ? h("p", { class: "muted" }, `No looks shared in ${w.label}.`) : null,
    h("div", { class: "stats" }, stat(t.posts, "looks"), stat(t.reactions, "reactions"),
      stat(t.new_followers, "new followers"), stat(t.challenge_wins, "challenge wins")),
    w.top_colours.length ? h("div", {}, h("h3", {}, "Your colours"),
      h("div", { class: "wrapped-colours" }, w.top_colours.map((c) => h("div", { class: "wrapped-colour" },
        h("span", { class: "swatch", style: `background:${/^#[0-9a-fA-F]{6}$/.test(c.hex) ? c.hex : "#ccc"}` }),
        h("span", {}, c.name), h("span", { class: "muted" }, percent(c.share)))))) : null,
    h("div", { class: "wrapped-columns" }, ranking("Top categories", w.top_categories), ranking("Top brands", w.top_brands)),
    w.most_reacted.length ? h("div", {}, h("h3", {}, "Most-loved looks"),
      h("div", { class: "grid" }, w.most_reacted.map((look) => h("a", { href: `#/post/${look.post_id}`,
        "aria-label": `${look.title || look.caption || "Look"}: ${look.reactions} reactions` },
        photo(look.thumbnail_url ? { urls: { feed: look.thumbnail_url } } : null),
        h("span", { class: "muted" }, `${look.reactions} reactions`))))) : null,
    w.challenge_placements.length ? h("div", {}, h("h3", {}, "Challenges"),
      h("ul", { class: "items" }, w.challenge_placements.map((p) => h("li", {},
        `#${p.rank} of ${p.entries} in ${p.title} · ${p.votes} ${p.votes === 1 ? "vote" : "votes"}`,
        p.winner ? h("span", { class: "stage" }, "winner") : null)))) : null);
}

// ---------- notifications ----------
async function notificationsView() {
  const list = h("div", { class: "list", id: "notification-list" }, h("p", { class: "empty" }, "Loading…"));
  const readAll = h("button", { class: "btn secondary", type: "button" }, "Mark all read");
  readAll.addEventListener("click", async () => {
    await api("/api/social/notifications/read-all", { method: "POST" }).catch((e) => toast(e.message));
    setUnread(0); route();
  });
  page("", "Notifications", pushCard(), h("div", { class: "row", style: "margin-bottom:12px" }, readAll), list);
  await loadNotifications(list);
}

async function loadNotifications(list) {
  const data = await api("/api/social/notifications?per_page=50");
  const items = data.notifications || [];
  list.replaceChildren(...(items.length ? items.map(notificationEl) : [h("p", { class: "empty" }, "No notifications yet.")]));
}

// The opt-in for Web Push on this device: permission is asked only when the button is clicked.
function pushCard() {
  const note = h("p", { class: "muted", id: "push-note" }, "Checking push notifications…");
  const error = h("p", { class: "error", role: "alert", id: "push-error" });
  const button = h("button", { class: "btn", type: "button", id: "push-toggle", hidden: true });
  let current = "off";
  const show = ({ state: s, reason }) => {
    current = s;
    button.hidden = s !== "on" && s !== "off";
    button.textContent = s === "on" ? "Turn off push notifications" : "Turn on push notifications";
    button.setAttribute("aria-pressed", String(s === "on"));
    note.textContent = reason || (s === "on" ? "Push notifications are on for this device."
      : "Get a notification on this device for likes, comments and follows, even when Tanvi is closed.");
  };
  button.addEventListener("click", async () => {
    button.disabled = true; error.textContent = "";
    try {
      if (current === "on") { await disablePush(); show({ state: "off" }); toast("Push notifications off"); }
      else { await enablePush(); show({ state: "on" }); toast("Push notifications on"); }
    } catch (e) {
      error.textContent = e.message;
      await pushStatus().then(show).catch(() => {});
    } finally { button.disabled = false; }
  });
  pushStatus().then(show).catch((e) => show({ state: "unsupported",
    reason: `Push notifications are unavailable here (${e.message}).` }));
  return h("section", { class: "card push-card", "aria-label": "Push notifications" },
    h("h3", {}, "Push notifications"), note, error, button);
}

function notificationText(n) {
  if (n.text || n.message) return n.text || n.message;
  const who = n.actor?.display_name || n.actor?.username || n.data?.actor_username || "Someone";
  const verbs = { follow: "started following you", follow_request: "asked to follow you", like: "liked your post",
    comment: "commented on your post", mention: "mentioned you", share: "shared your post" };
  return `${who} ${verbs[n.type] || n.type.replaceAll("_", " ")}`;
}

function notificationEl(n) {
  return h("div", { class: `notice${n.is_read ? "" : " unread"}`, dataset: { type: n.type } },
    icon("bell"), h("div", {}, h("div", {}, notificationText(n)), h("div", { class: "muted" }, timeAgo(n.created_at))));
}

async function connectStream() {
  if (state.stream || !window.EventSource) return;
  try {
    const ticket = await streamTicket();
    const source = new EventSource(`/api/social/notifications/stream?ticket=${encodeURIComponent(ticket)}`);
    state.stream = source;
    source.addEventListener("notification.created", () => {
      setUnread(state.unread + 1);
      const list = document.getElementById("notification-list");
      if (list) loadNotifications(list).catch(() => {});
      else toast("New notification");
    });
    source.onerror = () => { source.close(); state.stream = null; setTimeout(connectStream, 5000); };
  } catch { setTimeout(connectStream, 10000); }
}

// ---------- search ----------
async function searchView(query) {
  const input = h("input", { type: "search", value: query, placeholder: "Search looks, people, #tags, colour:sage",
    "aria-label": "Search" });
  const results = h("div", { class: "feed" });
  const form = h("form", { class: "row", role: "search" }, input, h("button", { class: "btn", type: "submit" }, "Search"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); location.hash = `#/search?q=${encodeURIComponent(input.value)}`; });
  page("search", "Search", form, results);
  if (!query) { results.append(h("p", { class: "empty" }, "Find outfits by caption, brand, #hashtag or colour:sage.")); return; }
  try {
    const data = await api(`/api/search?q=${encodeURIComponent(query)}`);
    const hits = Array.isArray(data.results) ? data.results : [];
    const posts = hits.filter((x) => x.type === "post" && x.post).map((x) => x.post);
    const people = hits.filter((x) => x.type === "profile" && x.user).map((x) => x.user);
    results.replaceChildren(
      ...people.map((p) => h("a", { class: "card notice", href: `#/u/${p.user_id || p.id}` }, avatar(p), displayName(p))),
      ...posts.map((p) => postCard(p)));
    if (!results.children.length) results.append(h("p", { class: "empty" }, "No results."));
  } catch (e) { results.replaceChildren(h("p", { class: "error" }, e.message)); }
}

// ---------- community & events ----------
async function communityView() {
  const communities = h("div", { class: "list" }, h("p", { class: "empty" }, "Loading…"));
  const events = h("div", { class: "list" });
  page("community", "Community", h("h2", {}, "Communities"), communities, h("h2", {}, "Upcoming events"), events);
  api("/api/community/communities?per_page=20").then((data) => {
    communities.replaceChildren(...(data.communities || []).map((c) => {
      const join = h("button", { class: "btn secondary", type: "button" }, c.viewer_role || c.membership ? "Joined" : "Join");
      join.addEventListener("click", async () => {
        try { const r = await api(`/api/community/communities/${c.id}/join`, { method: "POST" });
          join.textContent = (r.membership?.status || r.status) === "pending" ? "Requested" : "Joined"; }
        catch (e) { toast(e.message); }
      });
      return h("article", { class: "card" }, h("h3", { style: "margin:0 0 4px" }, c.name),
        h("p", { class: "muted" }, `${c.member_count ?? 0} members · ${c.visibility || c.privacy || ""}`),
        c.description ? h("p", {}, c.description) : null, join);
    }));
  }).catch((e) => communities.replaceChildren(h("p", { class: "error" }, e.message)));
  api("/api/community/events?per_page=20").then((data) => {
    const list = data.events || [];
    events.replaceChildren(...(list.length ? list.map(eventCard) : [h("p", { class: "empty" }, "No upcoming events.")]));
  }).catch((e) => events.replaceChildren(h("p", { class: "error" }, e.message)));
}

function eventCard(ev) {
  const status = h("span", { class: "muted" }, ev.my_rsvp?.response ? `You: ${ev.my_rsvp.response}` : "");
  const rsvp = (response) => h("button", { class: "btn secondary", type: "button", onclick: async () => {
    try {
      const r = await api(`/api/community/events/${ev.id}/rsvp`, { method: "POST", body: { response, guest_count: 0 } });
      const s = r.rsvp?.status || r.rsvp?.response || response;
      status.textContent = `You: ${s}`;
    } catch (e) { toast(e.message); }
  } }, response === "yes" ? "Going" : response === "maybe" ? "Maybe" : "Can't go");
  const when = ev.starts_at_local || ev.start_time || ev.starts_at;
  return h("article", { class: "card" }, h("h3", { style: "margin:0 0 4px" }, ev.title),
    h("p", { class: "muted" }, `${when ? new Date(when).toLocaleString() : ""} · ${ev.event_type || ev.format || ""}`),
    h("p", { class: "muted" }, `${ev.attendee_count ?? ev.going_count ?? 0} going${ev.max_attendees ? ` of ${ev.max_attendees}` : ""}`),
    h("div", { class: "row" }, rsvp("yes"), rsvp("maybe"), rsvp("no")), status);
}

// ---------- mood boards ----------
async function boardsView() {
  const list = h("div", { class: "list" }, h("p", { class: "empty" }, "Loading…"));
  const name = h("input", { placeholder: "New board name", "aria-label": "New board name", maxlength: 100, required: true });
  const form = h("form", { class: "row" }, name, h("button", { class: "btn", type: "submit" }, "Create"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await api("/api/inspiration/moodboards", { method: "POST", body: { title: name.value } }); route(); }
    catch (e) { toast(e.message); }
  });
  page("board", "Mood boards", form, list);
  try {
    const data = await api("/api/inspiration/moodboards");
    const boards = data.moodboards || data.boards || [];
    list.replaceChildren(...(boards.length ? boards.map((b) => h("article", { class: "card" },
      h("h3", { style: "margin:0 0 6px" }, b.title || b.name),
      h("p", { class: "muted" }, `${b.item_count ?? (b.items || []).length} items · ${b.is_public ? "public" : "private"}`),
      h("div", { class: "swatches" }, (b.palette || []).slice(0, 8).map((c) => h("span", { class: "swatch",
        title: c.name || c.hex, style: `background:${/^#[0-9a-fA-F]{6}$/.test(c.hex) ? c.hex : "#ccc"}` })))))
      : [h("p", { class: "empty" }, "No mood boards yet.")]));
  } catch (e) { list.replaceChildren(h("p", { class: "error" }, e.message)); }
}

// ---------- challenge ----------
async function challengeView(id) {
  const box = h("div", { class: "list" }, h("p", { class: "empty" }, "Loading…"));
  page("home", "Style Challenge", box);
  try {
    const data = await api(`/api/content/challenges/${id}`);
    const c = data.challenge;
    const entries = await api(`/api/content/challenges/${id}/entries`).catch(() => ({ entries: [] }));
    const join = h("button", { class: "btn rose", type: "button" }, "Join challenge");
    join.addEventListener("click", async () => {
      try { await api(`/api/content/challenges/${id}/join`, { method: "POST" }); join.textContent = "Joined"; }
      catch (e) { toast(e.message); }
    });
    box.replaceChildren(h("section", { class: "card challenge" }, h("div", { class: "label" }, "STYLE CHALLENGE"),
      h("div", { class: "body" }, h("h3", {}, c.title || c.name), h("p", {}, c.description || ""), join)),
      ...(entries.entries || []).map((e) => e.post ? postCard(e.post) : null));
  } catch (e) { box.replaceChildren(h("p", { class: "empty" }, e.message)); }
}

// ---------- auth ----------
function authView(mode = "signin") {
  const error = h("p", { class: "error", role: "alert" });
  const fields = mode === "signup"
    ? [["username", "Username", "text", "username"], ["email", "E-mail", "email", "email"], ["password", "Password", "password", "new-password"]]
    : [["login", "Username or e-mail", "text", "username"], ["password", "Password", "password", "current-password"]];
  const inputs = Object.fromEntries(fields.map(([name, , type, ac]) => [name,
    h("input", { id: `f-${name}`, name, type, autocomplete: ac, required: true })]));
  const form = h("form", { class: "card" },
    ...fields.map(([name, label]) => h("div", { class: "field" }, h("label", { for: `f-${name}` }, label), inputs[name])),
    error,
    h("button", { class: "btn rose", type: "submit", style: "width:100%" }, mode === "signup" ? "Create account" : "Sign in"),
    h("p", { class: "muted", style: "text-align:center" },
      mode === "signup" ? "Already have an account? " : "New to Tanvi? ",
      h("a", { href: mode === "signup" ? "#/signin" : "#/signup" }, mode === "signup" ? "Sign in" : "Create an account")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const body = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
    try {
      const data = await api(mode === "signup" ? "/api/auth/register" : "/api/auth/login", { method: "POST", body, retry: false });
      saveTokens(data.tokens);
      state.me = data.user;
      location.hash = "#/";
      await start();
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 422 ? `${e.message}: check the highlighted fields` : e.message;
    }
  });
  app.replaceChildren(h("main", { id: "main", class: "auth" },
    h("h1", {}, "Tanvi"), h("p", { class: "tagline" }, "Style community for women who have no time."), form));
}

async function signOut() {
  await disablePush().catch(() => {});  // this browser stops getting this account's pushes
  api("/api/auth/logout", { method: "POST", body: { refresh_token: tokens()?.refresh_token } }).catch(() => {});
  clearTokens();
  state.me = null;
  state.stream?.close(); state.stream = null;
  location.hash = "#/signin";
  route();
}

// ---------- router ----------
async function route() {
  const hash = location.hash || "#/";
  const [path, query = ""] = hash.slice(1).split("?");
  const params = new URLSearchParams(query);
  if (!state.me) return authView(path === "/signup" ? "signup" : "signin");
  const parts = path.split("/").filter(Boolean);
  try {
    switch (parts[0]) {
      case undefined: return await homeView();
      case "u": return await profileView(parts[1] || state.me.id);
      case "post": return await postView(parts[1]);
      case "notifications": return await notificationsView();
      case "search": return await searchView(params.get("q") || "");
      case "community": return await communityView();
      case "boards": return await boardsView();
      case "challenge": return await challengeView(parts[1]);
      case "wrapped": return await wrappedView(params.get("period"));
      case "create": await homeView(); return openComposer();
      default: return await homeView();
    }
  } catch (e) { page("", "Tanvi", h("p", { class: "empty" }, e.message)); }
}

async function start() {
  if (tokens()) {
    try { state.me = (await api("/api/auth/me")).user; } catch { clearTokens(); state.me = null; }
  }
  if (state.me) {
    api("/api/social/notifications/unread-count").then((d) => setUnread(d.unread_count ?? d.count ?? 0)).catch(() => {});
    connectStream();
    syncPush().catch(() => {});
  }
  await route();
}

window.addEventListener("hashchange", route);
listenToWorker((hash) => { if (location.hash !== hash) location.hash = hash; else route(); });
start();
