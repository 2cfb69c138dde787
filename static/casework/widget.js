/*
 * Klachtpunt complaint widget: put
 *   <script src="https://<provider>.<platform>/widget.js" defer></script>
 *   <div data-klachtpunt-widget></div>
 * in a page, and the complaint form appears in the placeholder (an iframe
 * served by Klachtpunt). Optional attributes on the placeholder:
 * data-lang="en" and data-title="...". The iframe reports its height with
 * postMessage; only messages from Klachtpunt's own origin and from this very
 * iframe are used.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var scripts = document.querySelectorAll("script[src]");
    for (var i = 0; i < scripts.length; i++) {
      if (/\/widget\.js(\?|$)/.test(scripts[i].src)) script = scripts[i];
    }
  }
  if (!script) return;
  var base = new URL(script.src, document.baseURI).origin;

  function mount(placeholder) {
    if (placeholder.getAttribute("data-klachtpunt-mounted")) return;
    placeholder.setAttribute("data-klachtpunt-mounted", "1");
    var params = new URLSearchParams();
    params.set("parent", window.location.origin);
    var lang = placeholder.getAttribute("data-lang");
    if (lang) params.set("lang", lang);
    var frame = document.createElement("iframe");
    frame.src = base + "/widget/?" + params.toString();
    frame.title = placeholder.getAttribute("data-title") || (lang === "en" ? "Complaint form" : "Klachtenformulier");
    frame.setAttribute("data-klachtpunt-frame", "");
    frame.style.width = "100%";
    frame.style.minHeight = "20rem";
    frame.style.height = "60rem";
    frame.style.border = "0";
    frame.style.display = "block";
    placeholder.appendChild(frame);

    window.addEventListener("message", function (event) {
      if (event.origin !== base || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === "klachtpunt:height") {
        var height = Number(data.height);
        if (isFinite(height) && height > 0) {
          frame.style.height = Math.min(Math.ceil(height), 20000) + "px";
        }
      } else if (data.type === "klachtpunt:top") {
        var top = frame.getBoundingClientRect().top;
        if (top < 0 || top > window.innerHeight) frame.scrollIntoView({ block: "start" });
      }
    });
  }

  function mountAll() {
    var placeholders = document.querySelectorAll("[data-klachtpunt-widget]");
    for (var i = 0; i < placeholders.length; i++) mount(placeholders[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
