/*
 * Progressive disclosure for forms, without inline script (the CSP forbids it).
 *
 * An element with data-show-when="name=value1,value2" is shown only while the
 * form's radio buttons (or select) called "name" have one of those values; its
 * inputs are disabled while hidden, so what the complainant cannot see is not
 * sent. Elements marked data-no-js-hint explain the fields to people without
 * this script and are hidden once it runs. Without the script every field
 * stays visible and the server checks only those that apply.
 */
(function () {
  "use strict";

  function currentValue(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) {
      return checked.value;
    }
    var select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : "";
  }

  function update(form) {
    // Document order: an outer group is settled before the groups inside it.
    form.querySelectorAll("[data-show-when]").forEach(function (element) {
      var rule = element.getAttribute("data-show-when").split("=");
      var values = (rule[1] || "").split(",");
      var show = values.indexOf(currentValue(form, rule[0])) !== -1;
      element.hidden = !show;
      element.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when]")) {
      return;
    }
    form.querySelectorAll("[data-no-js-hint]").forEach(function (hint) {
      hint.hidden = true;
    });
    update(form);
    form.addEventListener("change", function () {
      update(form);
    });
  });
})();
