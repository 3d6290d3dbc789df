/* Feedback survey embed. Put where the survey should appear:
     <script src="https://feedback.example.com/embed.js" data-survey="PUBLIC_KEY"
             data-customer="EMAIL-or-ID" data-issued-at="UNIX-SECONDS"
             data-signature="HEX-HMAC" async></script>
   data-customer, data-issued-at and data-signature are optional together (without them the
   answer is anonymous); data-locale (e.g. "fr") and data-title (the frame's accessible name)
   too. The frame is told this page's origin, which the survey checks against the sites it
   allows; a survey refused here (a site it does not allow, a bad signature) shows nothing,
   and its admin page says why. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.survey) { return; }
  var origin = new URL(script.src).origin;
  var params = new URLSearchParams();
  [["customer", "customer"], ["issuedAt", "issued_at"], ["signature", "signature"],
   ["locale", "locale"]].forEach(function (pair) {
    if (script.dataset[pair[0]]) { params.set(pair[1], script.dataset[pair[0]]); }
  });
  params.set("origin", window.location.origin);
  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/" + encodeURIComponent(script.dataset.survey) + "?" + params;
  frame.title = script.dataset.title || "Feedback survey";
  // Hidden until the widget reports its height: a frame the browser refuses to show (a site
  // the survey does not allow) leaves no empty box on the page.
  frame.style.cssText =
    "display:block;width:100%;max-width:36rem;height:0;border:0;visibility:hidden;";
  script.parentNode.insertBefore(frame, script.nextSibling);

  // The widget reports its height so the frame never shows a scroll bar, or that it was
  // refused (its admin page says why): then the frame goes.
  window.addEventListener("message", function onMessage(event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    if (event.data && event.data.feedbackEmbedRefused === true) {
      frame.remove();
      window.removeEventListener("message", onMessage);
      return;
    }
    var height = event.data && event.data.feedbackEmbedHeight;
    if (typeof height === "number" && height > 0 && height < 5000) {
      frame.style.height = Math.ceil(height) + "px";
      frame.style.visibility = "visible";
    }
  });
})();
