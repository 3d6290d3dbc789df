/* Survey pages: post a one-click score at once, keep double taps from posting twice, count
   the comment's characters left, and in an embed tell the host page how tall the widget is
   (or that it was refused).
   No framework, nothing loaded. */
(function () {
  "use strict";

  document.querySelectorAll("form.answer").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter || form.querySelector("button[type=submit]");
      if (!button) { return; }
      // A disabled button is left out of the post: keep the choice a named one stands for
      // (the follow-up page's Yes and No).
      if (button.name) {
        var choice = document.createElement("input");
        choice.type = "hidden";
        choice.name = button.name;
        choice.value = button.value;
        form.appendChild(choice);
      }
      button.disabled = true;
    });
  });

  // The comment's limit, stated in the page, becomes a count of what is left as one types.
  document.querySelectorAll("textarea[maxlength]").forEach(function (box) {
    var counter = document.getElementById(box.id + "-counter");
    if (!counter || !counter.getAttribute("data-left")) { return; }
    var max = Number(box.getAttribute("maxlength"));
    var show = function () {
      counter.textContent = counter.getAttribute("data-left")
        .replace("{left}", String(Math.max(0, max - box.value.length)));
    };
    show();
    box.addEventListener("input", show);
  });

  // A score link from the invitation email: the page shows it selected and sends it now; the
  // visible button stays as the fallback for browsers without JavaScript.
  var pending = document.querySelector("form[data-autosubmit]");
  if (pending && pending.querySelector("input[name=score]:checked")) {
    var saving = pending.querySelector(".saving");
    if (saving) { saving.hidden = false; }
    // Said for browsers without JavaScript, where the button must be pressed; not so here.
    document.querySelectorAll("[data-chosen]").forEach(function (note) { note.hidden = true; });
    pending.querySelector("button[type=submit]").disabled = true;
    pending.submit();
  }

  // The database was out of reach: the page kept the answer (or the page's address) in a form
  // and says how long to wait, longer after each attempt; send it again then, as the button
  // would.
  var retry = document.querySelector("form[data-retry-in]");
  if (retry) {
    window.setTimeout(function () {
      var trying = retry.querySelector(".saving");
      if (trying) { trying.hidden = false; }
      retry.querySelector("button[type=submit]").disabled = true;
      retry.submit();
    }, 1000 * Number(retry.getAttribute("data-retry-in")));
  }

  // A widget refused for its site or identity is an empty page: the loader removes its frame.
  if (window.parent !== window && document.body.hasAttribute("data-refused")) {
    window.parent.postMessage({ feedbackEmbedRefused: true }, "*");
  } else if (window.parent !== window && document.body.classList.contains("embedded")) {
    var report = function () {
      window.parent.postMessage(
        { feedbackEmbedHeight: document.body.getBoundingClientRect().height }, "*"
      );
    };
    report();
    if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  }
})();
