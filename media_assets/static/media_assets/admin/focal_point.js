// Focal point picker: click the preview to set focal_x / focal_y (0..1).
// No dependencies, no CDN.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const picker = document.querySelector(".focal-picker");
  if (!picker) return;
  const image = picker.querySelector(".focal-image");
  const marker = picker.querySelector(".focal-marker");
  const inputX = document.querySelector('input[data-focal="x"]');
  const inputY = document.querySelector('input[data-focal="y"]');
  if (!image || !inputX || !inputY) return;

  function place(x, y) {
    marker.style.left = (x * 100).toFixed(2) + "%";
    marker.style.top = (y * 100).toFixed(2) + "%";
    marker.hidden = false;
  }
  function current() {
    const x = parseFloat(inputX.value), y = parseFloat(inputY.value);
    return isNaN(x) || isNaN(y) ? null : [x, y];
  }
  const start = current();
  if (start) place(start[0], start[1]); else marker.hidden = true;

  image.style.cursor = "crosshair";
  image.addEventListener("click", function (event) {
    const box = image.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    const x = clamp((event.clientX - box.left) / box.width);
    const y = clamp((event.clientY - box.top) / box.height);
    inputX.value = x.toFixed(3);
    inputY.value = y.toFixed(3);
    place(x, y);
  });
  for (const input of [inputX, inputY]) {
    input.addEventListener("input", function () {
      const point = current();
      if (point) place(point[0], point[1]);
    });
  }
});
