// Upload form: when a file is chosen, ask the server what its metadata says
// and fill the fields the editor left empty; warn about (near-)duplicates.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("mediaasset_form");
  const input = form && form.querySelector('input[type="file"][name="file"]');
  if (!input) return;
  const analyseUrl = new URL("../analyse/", window.location.href).toString();
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]');

  const notice = document.createElement("div");
  notice.className = "media-upload-notice";
  notice.setAttribute("role", "status");
  input.insertAdjacentElement("afterend", notice);

  function say(kind, parts) {
    notice.className = "media-upload-notice " + kind;
    notice.replaceChildren(...parts);
  }
  function link(asset) {
    const a = document.createElement("a");
    a.href = asset.url;
    a.textContent = "Media ID " + asset.media_id;
    return a;
  }

  input.addEventListener("change", async function () {
    if (!input.files.length) return;
    const body = new FormData();
    body.append("file", input.files[0]);
    say("", [document.createTextNode("Reading the photo's metadata…")]);
    let data;
    try {
      const response = await fetch(analyseUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      });
      data = await response.json();
    } catch (error) {
      say("error", [document.createTextNode("Could not read the file.")]);
      return;
    }
    if (data.errors) {
      say("error", [document.createTextNode(data.errors.join(" "))]);
      return;
    }
    let filled = 0;
    for (const [name, value] of Object.entries(data.fields || {})) {
      const field = form.elements.namedItem(name);
      if (!field || field.type === "file") continue;
      if (field.type === "checkbox") {
        if (value && !field.checked) { field.checked = true; filled++; }
      } else if (!field.value || field.value === "[]") {
        field.value = Array.isArray(value) ? JSON.stringify(value) : value;
        filled++;
      }
    }
    const parts = [document.createTextNode(
      data.width + " × " + data.height + " px. " + filled + " field(s) filled from the metadata. ")];
    let kind = "ok";
    if (data.duplicate) {
      kind = "error";
      parts.push(document.createTextNode("This exact file is already in the library: "),
                 link(data.duplicate), document.createTextNode(". "));
    }
    if (data.near_duplicates && data.near_duplicates.length) {
      kind = kind === "error" ? kind : "warning";
      parts.push(document.createTextNode("Similar photos: "));
      data.near_duplicates.forEach(function (asset, index) {
        if (index) parts.push(document.createTextNode(", "));
        parts.push(link(asset));
      });
      parts.push(document.createTextNode("."));
    }
    say(kind, parts);
  });
});
