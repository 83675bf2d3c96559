// Import progress: poll the job while it runs and redraw its progress; at
// the end load the page once more to show the result.
document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("import-job");
  if (!job || job.dataset.done === "true" || !window.fetch) return;
  const bar = document.getElementById("import-progress");
  const status = document.getElementById("import-status");
  const reload = document.getElementById("import-reload");
  if (reload) reload.hidden = true;
  let lastSaid = -1;
  const poll = async () => {
    try {
      const resp = await fetch("/imports/" + job.dataset.job, { credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Liaison-Live": "1" } });
      if (!resp.ok) { window.location.reload(); return; }
      const st = await resp.json();
      if (st.done) { window.location.reload(); return; }
      bar.value = st.percent; bar.textContent = st.percent + "%";
      // Say it every tenth, not every poll, so a screen reader is not flooded.
      if (Math.floor(st.percent / 10) !== lastSaid) {
        lastSaid = Math.floor(st.percent / 10);
        status.textContent = st.percent + "% of the file read, " + st.rows + " rows filed or checked so far.";
      }
    } catch (e) { /* try again */ }
    setTimeout(poll, 500);
  };
  setTimeout(poll, 300);
});
