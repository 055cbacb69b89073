/* Sozialraum: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Activity form: show only the fields that fit the chosen kind and status.
  function updateActivityForm(form) {
    var kind = form.querySelector("[name=kind]");
    var status = form.querySelector("[name=status]:checked");
    form.querySelectorAll("[data-kinds]").forEach(function (block) {
      var kinds = block.getAttribute("data-kinds").split(" ");
      block.hidden = kind && kind.value !== "" && kinds.indexOf(kind.value) === -1;
    });
    form.querySelectorAll("[data-status]").forEach(function (block) {
      block.hidden = status && block.getAttribute("data-status") !== status.value;
    });
  }

  function init(root) {
    root.querySelectorAll("form[data-activity-form]").forEach(function (form) {
      updateActivityForm(form);
      form.addEventListener("change", function () {
        updateActivityForm(form);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    init(event.target);
  });
})();
