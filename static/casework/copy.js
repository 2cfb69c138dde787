// "Kopieer de code": copies the text of the element named by data-copy-target.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (!target) return;
    var text = target.value !== undefined ? target.value : target.textContent;
    var done = function (message) {
      if (status) status.textContent = message;
    };
    var fallback = function () {
      target.focus();
      if (target.select) target.select();
      done(button.getAttribute("data-select-text"));
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        done(button.getAttribute("data-copied-text"));
      }, fallback);
    } else {
      fallback();
    }
  });
})();
