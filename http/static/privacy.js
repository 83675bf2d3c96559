// Privacy pages: a form that starts a long purge says so while it runs
// and cannot be sent twice. The form works without this.
document.addEventListener("DOMContentLoaded", () => {
  const forms = document.querySelectorAll("form[data-privacy-progress]");
  for (const form of forms) {
    form.addEventListener("submit", () => {
      const status = form.querySelector("[role=status]");
      if (status) status.textContent = form.dataset.privacyProgress;
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
});
