// Liaison web UI: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first error so screen-reader and keyboard users land on it.
  const err = document.querySelector("[role=alert]");
  if (err) { err.setAttribute("tabindex", "-1"); err.focus(); }
});
