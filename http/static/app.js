// Liaison web UI: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first error so screen-reader and keyboard users land on it.
  const err = document.querySelector("main [role=alert]:not([hidden])");
  if (err) { err.setAttribute("tabindex", "-1"); err.focus(); }
});

// Live pages (conflicts, watch board, inbox): a server-sent event stream
// says that something changed; the page fetches itself again and swaps in
// its live regions and the inbox badge. Nothing is swapped while the user
// is typing in a region: a button offers the refresh instead.
document.addEventListener("DOMContentLoaded", () => {
  const regions = () => Array.from(document.querySelectorAll("[data-live-region]"));
  if (regions().length === 0 || !window.EventSource || !window.fetch) return;
  const live = true;
  const status = document.getElementById("live-status");
  const say = (text) => { if (status) status.textContent = text; };
  const busy = () => regions().some((r) => {
    if (r.contains(document.activeElement) && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) return true;
    return Array.from(r.querySelectorAll("input:not([type=hidden]), textarea")).some((el) => el.value !== el.defaultValue);
  });
  let pending = null;
  const refresh = async () => {
    pending = null;
    if (busy()) {
      if (status && !status.querySelector("button")) {
        say("Updates arrived. ");
        const b = document.createElement("button");
        b.type = "button"; b.className = "link"; b.textContent = "Show them";
        b.addEventListener("click", () => { say(""); swap(); });
        status.appendChild(b);
      }
      return;
    }
    await swap();
  };
  const badge = async () => {
    try {
      const resp = await fetch("/inbox/badge", { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const nav = document.getElementById("nav-inbox"), fresh = doc.getElementById("nav-inbox");
      if (nav && fresh) nav.replaceWith(document.importNode(fresh, true));
    } catch (e) { /* the next event tries again */ }
  };
  const swap = async () => {
    try {
      // The live header tells the server this read is the page's own
      // doing: it does not count as activity against the idle limit.
      const resp = await fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Liaison-Live": "1" } });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      for (const r of regions()) {
        const fresh = r.id && doc.getElementById(r.id);
        if (fresh) r.replaceWith(document.importNode(fresh, true));
      }
      const nav = document.getElementById("nav-inbox"), freshNav = doc.getElementById("nav-inbox");
      if (nav && freshNav) nav.replaceWith(document.importNode(freshNav, true));
      say("Updated " + new Date().toLocaleTimeString() + ".");
    } catch (e) { /* the next event tries again */ }
  };
  let opened = false;
  const es = new EventSource("/events");
  es.addEventListener("open", () => { if (opened) (live ? refresh : badge)(); opened = true; });
  const onEvent = () => {
    if (!pending) pending = setTimeout(() => { pending = null; (live ? refresh : badge)(); }, 250);
  };
  // Which signals a page follows: data-live="conflict inbox" on a region;
  // the badge follows notices of every kind.
  const kinds = new Set(["conflict", "inbox"]);
  for (const r of regions()) for (const k of (r.dataset.live || "conflict").split(/\s+/)) if (k) kinds.add(k);
  for (const k of kinds) es.addEventListener(k, onEvent);
  // The session ended (signed out, timed out): reloading shows the sign-in page.
  es.addEventListener("expired", () => { es.close(); window.location.reload(); });
  es.addEventListener("message", onEvent);
  window.addEventListener("pagehide", () => es.close());
});
