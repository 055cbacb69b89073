/* Django admin: small accessibility repairs. Loaded by templates/admin/base_site.html. */
(function () {
  "use strict";

  // The autocomplete boxes (select2) are named by their selected value only, so an empty one
  // has no accessible name: add the field's label to what names the box.
  function nameAutocompleteBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var box = select.parentElement.querySelector('.select2-selection[role="combobox"]');
      if (!label || !box) {
        return;
      }
      label.id = label.id || select.id + "-label";
      var names = (box.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (names.indexOf(label.id) === -1) {
        box.setAttribute("aria-labelledby", [label.id].concat(names).join(" "));
      }
      // The selected value inside the box is a read-only textbox of its own: named the same.
      var rendered = box.querySelector('[role="textbox"]');
      if (rendered && rendered.id) {
        rendered.setAttribute("aria-labelledby", label.id + " " + rendered.id);
      }
    });
  }

  // A tabular inline scrolls sideways on a phone: make it a named region reachable by Tab
  // (a read-only table has nothing else to focus).
  function makeInlinesScrollable() {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      var heading = group.querySelector("h2");
      if (!heading) {
        return;
      }
      heading.id = heading.id || group.id + "-heading";
      group.setAttribute("role", "region");
      group.setAttribute("aria-labelledby", heading.id);
      group.tabIndex = 0;
    });
  }

  function init() {
    nameAutocompleteBoxes();
    makeInlinesScrollable();
  }

  // After Django's own ready handlers, which turn the selects into select2 boxes.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(init);
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
