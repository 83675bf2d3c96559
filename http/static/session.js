// Session clock: the header says when the session ends (30 idle minutes,
// 12 hours at most). Two minutes before the idle limit a warning offers
// "Stay signed in"; five minutes before the hard limit it says to save
// work. At the end the page goes to the sign-in page, which is what the
// server would answer anyway.
document.addEventListener("DOMContentLoaded", () => {
  const clock = document.getElementById("session-timer");
  const warn = document.getElementById("session-warning");
  if (!clock || !warn) return;
  const csrf = document.querySelector("meta[name=csrf-token]");
  // Correct for the difference between the server's clock and this one.
  const skew = Date.parse(clock.dataset.now) - Date.now();
  // The deadlines live in the element's data attributes, read at each
  // tick: "Stay signed in" writes the server's new ones there.
  const deadline = (name) => Date.parse(clock.dataset[name]);
  const now = () => Date.now() + skew;
  const fmt = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  };
  // The header's text changes only when its minutes do, in the server's
  // words, so the page does not shift under a pointer as it loads.
  const idleText = document.getElementById("session-idle");
  let shown = "";
  const show = (kind, text, button) => {
    if (shown === kind + text) return;
    shown = kind + text;
    warn.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    warn.appendChild(p);
    if (button) warn.appendChild(button);
    warn.hidden = false;
  };
  const stay = document.createElement("button");
  stay.type = "button"; stay.id = "session-stay"; stay.className = "primary"; stay.textContent = "Stay signed in";
  stay.addEventListener("click", async () => {
    try {
      const resp = await fetch("/session/keepalive", { method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf ? csrf.content : "", "Accept": "application/json" } });
      if (!resp.ok) { window.location.reload(); return; }
      const t = await resp.json();
      clock.dataset.idleDeadline = t.idle_deadline; clock.dataset.end = t.end;
      warn.hidden = true; shown = "";
      tick();
    } catch (e) { /* the next tick tries again or ends the page */ }
  });
  const tick = () => {
    const t = now(), leftIdle = deadline("idleDeadline") - t, leftEnd = deadline("end") - t;
    if (leftIdle <= 0 || leftEnd <= 0) {
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return;
    }
    const words = "after " + Math.ceil(leftIdle / 60000) + " minutes without activity";
    if (idleText && idleText.textContent !== words) idleText.textContent = words;
    if (leftEnd < leftIdle && leftEnd <= 5 * 60 * 1000) {
      show("end", "Your session reaches its 12-hour limit in " + fmt(leftEnd) + ". Save your work: you will need to sign in again.", null);
    } else if (leftIdle <= 2 * 60 * 1000) {
      show("idle", "You will be signed out in " + fmt(leftIdle) + " because of inactivity.", stay);
    } else if (!warn.hidden) {
      warn.hidden = true; shown = "";
    }
  };
  tick();
  setInterval(tick, 1000);
});
