// Keeps the soft edit lock alive while the form is open (articles/locks.py).
"use strict"
{
  const form = document.getElementById("article_form")
  const marker = document.getElementById("edit-lock")
  const url = marker && marker.dataset.lockUrl
  if (form && url) {
    const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value
    const beat = () =>
      fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((data) => {
          const banner = document.getElementById("edit-lock-banner")
          if (banner && data.held_by) banner.textContent = data.message
        })
        .catch(() => {})
    window.setInterval(beat, 30000)
  }
}
