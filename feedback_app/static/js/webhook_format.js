// Webhook forms: typing a URL whose host takes one format (a Slack incoming webhook) chooses
// that format and says so. Without this script the hint under the field says it instead.
"use strict";

const FORMAT_OF_HOST = { "hooks.slack.com": "slack" };

function hostOf(text) {
  try {
    return new URL(text.trim()).hostname.toLowerCase();
  } catch {
    return "";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const url = document.getElementById("url");
  const format = document.getElementById("format");
  const hint = document.getElementById("format-hint");
  if (!url || !format || !hint) {
    return;
  }
  url.addEventListener("input", () => {
    const wanted = FORMAT_OF_HOST[hostOf(url.value)];
    if (wanted && format.value !== wanted) {
      format.value = wanted;
      hint.textContent = "Slack message chosen: a hooks.slack.com URL takes only that format.";
    }
  });
});
