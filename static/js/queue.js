/* The coordinator queue without full page loads: filters and paging swap in the
   part of the page that changes. Without this script every link and the filter
   form work as ordinary requests. */
(function () {
  "use strict";
  if (!window.fetch || !window.history || !window.DOMParser) {
    return;
  }
  var REGION = "[data-queue-region]";
  // On a phone the filters start closed, so the cases come first; after that
  // the panel stays as the coordinator leaves it, across updates.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 37.5em)") : null;
  var filtersOpen = narrow ? !narrow.matches : true;

  function applyPanel(scope) {
    var panel = scope.querySelector("[data-filter-panel]");
    if (!panel) {
      return;
    }
    panel.open = filtersOpen;
    panel.addEventListener("toggle", function () {
      filtersOpen = panel.open;
    });
  }
  applyPanel(document);

  function region() {
    return document.querySelector(REGION);
  }

  function announce(fresh) {
    var announcer = document.getElementById("queue-announcer");
    var count = fresh.querySelector("[data-queue-count]");
    if (announcer && count) {
      announcer.textContent = count.textContent.replace(/\s+/g, " ").trim();
    }
  }

  function load(url, push, focusId) {
    var current = region();
    if (!current) {
      window.location.href = url;
      return;
    }
    current.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Queue-Partial": "1" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(REGION);
        if (!fresh) {
          throw new Error("no queue in the answer");
        }
        current.replaceWith(fresh);
        applyPanel(fresh);
        if (push) {
          window.history.pushState({ queue: true }, "", url);
        }
        announce(fresh);
        // Keep the keyboard where it was (the same control, now re-rendered),
        // or else put it on the results.
        var target = (focusId && document.getElementById(focusId)) || fresh.querySelector("[data-queue-results]");
        if (target) {
          target.focus();
        }
      })
      .catch(function () {
        window.location.href = url;
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-queue-form]")) {
      return;
    }
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") {
        params.append(name, value);
      }
    });
    var query = params.toString();
    var active = document.activeElement;
    load(form.action + (query ? "?" + query : ""), true, active && active.id ? active.id : "filter-submit");
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-queue-link]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    load(link.href, true, link.id);
  });

  window.addEventListener("popstate", function () {
    load(window.location.href, false, null);
  });
})();
