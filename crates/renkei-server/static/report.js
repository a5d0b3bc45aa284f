// The report pages: each deadline's countdown kept current, and the
// filing form's draft saved as the reporter types (the server keeps it;
// nothing is kept in the browser).
"use strict";

function countdowns() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const due = Date.parse(el.dataset.countdown);
    if (Number.isNaN(due)) continue;
    let ms = due - now;
    const template = ms >= 0 ? el.dataset.left : el.dataset.over;
    ms = Math.abs(ms);
    const d = Math.floor(ms / 86400000);
    const h = Math.floor((ms % 86400000) / 3600000);
    const m = Math.floor((ms % 3600000) / 60000);
    el.textContent = template.replace("%d", d).replace("%h", h).replace("%m", m);
    el.classList.toggle("overdue", due < now);
  }
}

function autosave() {
  const form = document.getElementById("report-form");
  if (!form || !form.dataset.autosave) return;
  const status = document.getElementById("autosave-status");
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  setInterval(async () => {
    if (!dirty) return;
    dirty = false;
    const body = new URLSearchParams(new FormData(form));
    body.set("action", "draft");
    try {
      const r = await fetch(form.dataset.autosave, {
        method: "POST",
        body,
        headers: { "X-Autosave": "1" },
        credentials: "same-origin",
      });
      if (r.ok && status) {
        const at = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
        status.textContent = status.dataset.saved.replace("%t", at);
      } else {
        dirty = true;
      }
    } catch (e) {
      dirty = true;
    }
  }, 15000);
}

countdowns();
setInterval(countdowns, 30000);
autosave();
