/* Sozialraum: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Activity form: show only the fields that fit the chosen kind and status. The quick-log
  // forms of "Meine Woche" carry a prefix in their field names: their status radios are
  // marked with data-status-choice. There the hidden fields are also disabled, so that counts
  // typed before choosing "cancelled" are not sent (they come back when "held" is chosen).
  function updateActivityForm(form) {
    var kind = form.querySelector("[name=kind]");
    var status = form.querySelector("[name=status]:checked, [data-status-choice]:checked");
    var quickLog = form.hasAttribute("data-quick-log");
    form.querySelectorAll("[data-kinds]").forEach(function (block) {
      var kinds = block.getAttribute("data-kinds").split(" ");
      block.hidden = kind && kind.value !== "" && kinds.indexOf(kind.value) === -1;
    });
    form.querySelectorAll("[data-status]").forEach(function (block) {
      block.hidden = Boolean(status) && block.getAttribute("data-status") !== status.value;
      if (quickLog) {
        block.querySelectorAll("input, select, textarea").forEach(function (control) {
          control.disabled = block.hidden;
        });
      }
    });
  }

  // Series form: show only the recurrence fields the chosen pattern uses (data-patterns on
  // the field). Without this file every field shows, and the server ignores the unused ones.
  function updateRecurrence(form) {
    var pattern = form.querySelector("select[name=pattern]");
    form.querySelectorAll("[data-patterns]").forEach(function (field) {
      var patterns = field.getAttribute("data-patterns").split(" ");
      var wrapper = field.closest("[id^=div_id_]") || field;
      wrapper.hidden = patterns.indexOf(pattern.value) === -1;
    });
  }

  // After a failed submit: a summary of the errors at the top of the form, each linked to its
  // field, focused, and "Error:" before the page title. The wording comes from a <template>
  // in base.html (translated on the server); field errors are crispy's "<id>_error" blocks.
  function labelFor(form, id) {
    var wrapper = document.getElementById("div_" + id);
    var label = form.querySelector('label[for="' + id + '"]') ||
      (wrapper && wrapper.querySelector("legend, label"));
    var text = label ? label.textContent : id;
    return text.replace(/\*/g, "").replace(/\s+/g, " ").trim();
  }

  function fieldErrors(form) {
    var found = [];
    form.querySelectorAll(".invalid-feedback[id$=_error]").forEach(function (block) {
      var id = block.id.slice(0, -"_error".length);
      var control = document.getElementById(id) || form.querySelector('[id^="' + id + '_"]');
      block.querySelectorAll("p, li").forEach(function (message) {
        found.push({control: control, text: labelFor(form, id) + ": " + message.textContent.trim()});
      });
    });
    return found;
  }

  function showErrorSummary(form, focus) {
    var template = document.getElementById("error-summary-template");
    if (!template || form.querySelector(".error-summary")) {
      return false;
    }
    var errors = [];
    form.querySelectorAll(".alert-danger:not(.error-summary) li").forEach(function (item) {
      errors.push({control: null, text: item.textContent.trim()});
    });
    errors = errors.concat(fieldErrors(form));
    if (!errors.length) {
      return false;
    }
    var summary = template.content.querySelector(".error-summary").cloneNode(true);
    var list = summary.querySelector("ul");
    errors.forEach(function (error) {
      var item = document.createElement("li");
      if (error.control && error.control.id) {
        var link = document.createElement("a");
        link.href = "#" + error.control.id;
        link.textContent = error.text;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          error.control.focus();
        });
        item.appendChild(link);
      } else {
        item.textContent = error.text;
      }
      list.appendChild(item);
    });
    form.insertBefore(summary, form.firstChild);
    var prefix = template.getAttribute("data-title-prefix");
    if (prefix && document.title.indexOf(prefix) !== 0) {
      document.title = prefix + " " + document.title;
    }
    if (focus) {
      summary.focus();
    }
    return true;
  }

  // The "*" after a label, explained once at the top of every form that has one.
  function explainRequired(form) {
    var template = document.getElementById("error-summary-template");
    if (!template || !form.querySelector(".asteriskField") || form.querySelector(".required-note")) {
      return;
    }
    var note = template.content.querySelector(".required-note").cloneNode(true);
    var summary = form.querySelector(".error-summary");
    form.insertBefore(note, summary ? summary.nextSibling : form.firstChild);
  }

  function init(root) {
    var focused = false;
    var forms = root.tagName === "FORM" ? [root] : root.querySelectorAll("form");
    forms.forEach(function (form) {
      focused = showErrorSummary(form, !focused) || focused;
      explainRequired(form);
    });
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("select[name=pattern]")) {
        return;
      }
      updateRecurrence(form);
      form.addEventListener("change", function () {
        updateRecurrence(form);
      });
    });
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
  // A card saved in place ("Meine Woche") takes the focus, unless its error summary has it.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-focus-after-swap]").forEach(function (card) {
      card.removeAttribute("data-focus-after-swap");
      if (!card.contains(document.activeElement)) {
        card.focus();
      }
    });
  });
})();
