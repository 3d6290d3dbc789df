/* Feedback survey embed. Put where the survey should appear:
     <script src="https://feedback.example.com/embed.js" data-survey="PUBLIC_KEY"
             data-customer="EMAIL-or-ID" data-signature="HEX-HMAC" async></script>
   data-customer and data-signature are optional (without them the answer is anonymous);
   data-locale (e.g. "fr") and data-title (the frame's accessible name) too. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.survey) { return; }
  var origin = new URL(script.src).origin;
  var params = new URLSearchParams();
  ["customer", "signature", "locale"].forEach(function (name) {
    if (script.dataset[name]) { params.set(name, script.dataset[name]); }
  });
  var query = params.toString();
  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/" + encodeURIComponent(script.dataset.survey) + (query ? "?" + query : "");
  frame.title = script.dataset.title || "Feedback survey";
  frame.style.cssText = "display:block;width:100%;max-width:36rem;height:20rem;border:0;";
  script.parentNode.insertBefore(frame, script.nextSibling);

  // The widget reports its height so the frame never shows a scroll bar.
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var height = event.data && event.data.feedbackEmbedHeight;
    if (typeof height === "number" && height > 0 && height < 5000) {
      frame.style.height = Math.ceil(height) + "px";
    }
  });
})();
