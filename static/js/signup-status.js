// The "preparing your workspace" page: ask every 1.5 s whether the workspace is ready,
// then go on to it (the server hands out the one-time login link there).
(function () {
  "use strict";
  var box = document.querySelector("[data-kp-signup-status]");
  if (!box || !window.fetch) {
    return;
  }
  var statusUrl = box.getAttribute("data-status-url");
  var continueUrl = box.getAttribute("data-continue-url");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.ready) {
          window.location.assign(continueUrl);
        } else if (data && (data.state === "expired" || data.state === "failed")) {
          window.location.reload();
        } else if (tries < 200) {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        if (tries < 200) {
          window.setTimeout(poll, 3000);
        }
      });
  }
  window.setTimeout(poll, 500);
})();
