// Staff lists, enhanced; every page works without this script.
// - <input type="checkbox" data-select-all="NAME" inside a hidden label>: shown, it ticks or
//   clears every checkbox named NAME, and shows whether all, some or none are ticked.
// - <tr data-row-link> with an <a class="row-link">: a click anywhere in the row but on a
//   control (or the checkbox's cell) follows the link (the link stays the keyboard's way in).
// - <details data-open-wide>: open on screens wide enough to show what it holds.
// - A page opened at an anchor inside a closed <details> opens it.
"use strict";

const WIDE = "(min-width: 48rem)";
// Clicks on these are not clicks on the row: controls, and the cell of the row's checkbox.
const CONTROLS = "a, button, input, label, select, textarea, summary, td.pick";

function setUpSelectAll(all) {
  const boxes = () => [...document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)];
  if (boxes().length === 0) {
    return;
  }
  const show = () => {
    const ticked = boxes().filter((box) => box.checked).length;
    all.checked = ticked === boxes().length;
    all.indeterminate = ticked > 0 && !all.checked;
  };
  all.closest("label").hidden = false;
  all.addEventListener("change", () => {
    for (const box of boxes()) {
      box.checked = all.checked;
    }
  });
  document.addEventListener("change", (event) => {
    if (event.target.name === all.dataset.selectAll) {
      show();
    }
  });
  show();
}

function followRowLink(event) {
  const row = event.target.closest("tr[data-row-link]");
  const link = row && row.querySelector("a.row-link");
  if (!link || event.target.closest(CONTROLS) || String(window.getSelection()) !== "") {
    return;
  }
  if (event.ctrlKey || event.metaKey || event.shiftKey) {
    window.open(link.href, "_blank", "noopener");
  } else {
    window.location.assign(link.href);
  }
}

function openAtAnchor() {
  const target = window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  const folded = target && target.closest("details:not([open])");
  if (folded) {
    folded.open = true;
    target.scrollIntoView();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    setUpSelectAll(all);
  }
  for (const row of document.querySelectorAll("tr[data-row-link]")) {
    row.classList.add("clickable");
  }
  document.addEventListener("click", followRowLink);
  if (window.matchMedia(WIDE).matches) {
    for (const panel of document.querySelectorAll("details[data-open-wide]")) {
      panel.open = true;
    }
  }
  openAtAnchor();
  window.addEventListener("hashchange", openAtAnchor);
});
