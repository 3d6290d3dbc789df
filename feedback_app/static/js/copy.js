// Copy buttons: <button data-copy="ID" hidden> copies the text of the element with that id,
// and says so in the element "ID-status" (a live region). Shown only when this script runs.
"use strict";

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-status");
    if (!source) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        status.textContent = "Copied.";
      } catch {
        // Without the clipboard API (a page not served over HTTPS), select it for Ctrl+C.
        selectText(source);
        status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
      }
    });
  }
});
