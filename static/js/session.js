/* Sozialraum: input that survives.
 *
 * 1. A warning before the idle timeout (WCAG 2.2.1) with "Stay signed in", which refreshes the
 *    session; once it has ended, a link to sign in again.
 * 2. Drafts: what a user types into a logging form (form[data-draft], form[data-activity-form])
 *    is kept in this browser's localStorage, per user and form, until the form was saved. A form
 *    that could not be sent (session ended, connection dropped, server error) offers its draft
 *    again ("Restore draft" / "Discard"). Drafts hold only what the user typed (and the form's
 *    one-time submission token, so that a restored draft still creates only one record); they
 *    are deleted after saving, on logging out and after a week.
 *
 * The markup and its translated texts come from templates/includes/session.html; without it
 * (a signed-out page) this file does nothing.
 */
(function () {
  "use strict";

  var PREFIX = "sozialraum:";
  var DRAFT_DAYS = 7;
  var dialog, user, idleMs, warnMs, texts;
  var shown = false;
  var expired = false;
  var dismissed = false; // closed with Escape: not shown again before the end
  var returnFocus = null;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: no drafts, the warning still works
    }
  }

  // --- The idle timeout ----------------------------------------------------------------------

  function touchedKey() {
    return PREFIX + "touched:" + user;
  }

  function lastTouched() {
    var storage = store();
    var value = storage && Number(storage.getItem(touchedKey()));
    return value || lastTouched.local;
  }

  // Every request to the server refreshes the session (in any tab of this browser).
  function touch() {
    lastTouched.local = Date.now();
    dismissed = false;
    var storage = store();
    if (storage) {
      storage.setItem(touchedKey(), String(lastTouched.local));
    }
    if (shown && !expired) {
      hideWarning();
    }
  }

  function clock(time) {
    return new Date(time).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit"
    });
  }

  function showWarning(end) {
    var title = dialog.querySelector("#session-warning-title");
    var text = dialog.querySelector("#session-warning-text");
    title.textContent = texts.warningTitle;
    text.textContent = text.getAttribute("data-warning-text").replace("{time}", clock(end));
    if (!shown) {
      returnFocus = document.activeElement;
      shown = true;
      dialog.hidden = false;
      dialog.querySelector("[data-keepalive]").focus();
    }
  }

  function hideWarning() {
    shown = false;
    dialog.hidden = true;
    if (returnFocus && document.contains(returnFocus)) {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  function showExpired() {
    expired = true;
    var text = dialog.querySelector("#session-warning-text");
    var signIn = dialog.querySelector("[data-sign-in]");
    dialog.querySelector("#session-warning-title").textContent = texts.expiredTitle;
    text.textContent = text.getAttribute("data-expired-text");
    dialog.querySelector("[data-keepalive]").hidden = true;
    signIn.href = dialog.getAttribute("data-login-url") + "?next=" +
      encodeURIComponent(window.location.pathname + window.location.search);
    signIn.hidden = false;
    if (!shown) {
      returnFocus = document.activeElement;
    }
    shown = true;
    dialog.hidden = false;
    signIn.focus();
  }

  function check() {
    if (expired) {
      return;
    }
    var end = lastTouched() + idleMs;
    var left = end - Date.now();
    if (left <= 0) {
      showExpired();
    } else if (left <= warnMs) {
      if (!dismissed) {
        showWarning(end);
      }
    } else if (shown) {
      hideWarning(); // another tab kept the session alive
    }
  }

  function keepAlive(event) {
    event.preventDefault();
    var token = dialog.querySelector("[name=csrfmiddlewaretoken]").value;
    window.fetch(dialog.querySelector("form").action, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {"X-CSRFToken": token}
    }).then(function (response) {
      if (response.status === 204) {
        touch();
      } else {
        showExpired(); // the login page's redirect: the session had already ended
      }
    }, function () {
      // No connection: the session may still be alive; say so at the next check.
      check();
    });
  }

  // --- Drafts ----------------------------------------------------------------------------------

  function draftKey(form) {
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    return PREFIX + "draft:" + user + ":" + url.pathname + url.search;
  }

  function draftForms(root) {
    return Array.prototype.slice.call(
      root.querySelectorAll("form[data-draft], form[data-activity-form]")
    );
  }

  // What the user typed: every named control except the CSRF token, passwords and files.
  function formValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      var name = control.name;
      var type = (control.type || "").toLowerCase();
      if (!name || name === "csrfmiddlewaretoken" ||
          ["password", "file", "submit", "button", "reset"].indexOf(type) !== -1) {
        return;
      }
      if (!(name in values)) {
        values[name] = [];
      }
      if (type === "checkbox" || type === "radio") {
        if (control.checked) {
          values[name].push(control.value);
        }
      } else if (type === "select-multiple") {
        Array.prototype.forEach.call(control.selectedOptions, function (option) {
          values[name].push(option.value);
        });
      } else {
        values[name].push(control.value);
      }
    });
    return values;
  }

  function readDraft(key) {
    var storage = store();
    try {
      return storage ? JSON.parse(storage.getItem(key) || "null") : null;
    } catch (error) {
      return null;
    }
  }

  function saveDraft(form, pending) {
    var storage = store();
    if (!storage) {
      return;
    }
    var key = draftKey(form);
    var before = readDraft(key);
    try {
      storage.setItem(key, JSON.stringify({
        saved: Date.now(),
        pending: pending || Boolean(before && before.pending),
        values: formValues(form)
      }));
    } catch (error) {
      // Storage full: the form still works, only without a draft.
    }
  }

  function dropDraft(key) {
    var storage = store();
    if (storage) {
      storage.removeItem(key);
    }
  }

  function userDraftKeys() {
    var storage = store();
    var keys = [];
    if (!storage) {
      return keys;
    }
    for (var i = 0; i < storage.length; i += 1) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX + "draft:" + user + ":") === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  // Only what typing can change: a draft equal to the form (an error page showing the input
  // again) needs no offer.
  function differs(form, values) {
    var now = formValues(form);
    return Object.keys(values).some(function (name) {
      var control = form.elements[name];
      var hidden = control && (control.type === "hidden" ||
        (control.length && control[0] && control[0].type === "hidden"));
      return !hidden && JSON.stringify(values[name]) !== JSON.stringify(now[name] || []);
    });
  }

  function applyValues(form, values) {
    Object.keys(values).forEach(function (name) {
      var wanted = values[name];
      form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]').forEach(function (control) {
        var type = (control.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          control.checked = wanted.indexOf(control.value) !== -1;
        } else if (type === "select-multiple") {
          Array.prototype.forEach.call(control.options, function (option) {
            option.selected = wanted.indexOf(option.value) !== -1;
          });
        } else if (wanted.length) {
          control.value = wanted[0];
        }
        if (control.tomselect) {
          control.tomselect.sync(); // the search-as-you-type chooser shows the restored choice
        }
      });
    });
    // The status decides which fields show (static/js/app.js listens to "change").
    form.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function announce(text) {
    var region = document.getElementById("week-live");
    if (region) {
      region.textContent = text;
    }
    return Boolean(region);
  }

  function template(selector) {
    var holder = document.getElementById("draft-offer-template");
    return holder.content.querySelector(selector).cloneNode(true);
  }

  function offer(form, draft) {
    if (form.parentNode.querySelector(".draft-offer")) {
      return null;
    }
    var box = template(".draft-offer");
    var text = box.querySelector("[data-text]");
    var key = draftKey(form);
    var messages = document.getElementById("draft-offer-template").content
      .querySelector("[data-restored-text]");
    text.textContent = text.getAttribute("data-text").replace("{time}", clock(draft.saved));
    box.querySelector("[data-draft-restore]").addEventListener("click", function () {
      applyValues(form, draft.values);
      box.remove();
      announce(messages.getAttribute("data-restored-text"));
      var first = form.querySelector("input:not([type=hidden]):not([disabled]), textarea, select");
      if (first) {
        first.focus();
      }
    });
    box.querySelector("[data-draft-discard]").addEventListener("click", function () {
      dropDraft(key);
      box.remove();
      announce(messages.getAttribute("data-discarded-text"));
      var summary = form.closest("details") && form.closest("details").querySelector("summary");
      (summary || form.querySelector("input, textarea, select") || document.body).focus();
    });
    form.parentNode.insertBefore(box, form);
    var details = form.closest("details");
    if (details) {
      details.open = true;
    }
    return box;
  }

  // A card for a date whose form is gone has been logged (perhaps by a send whose answer was
  // lost): its draft is done with.
  function dropDraftsOfLoggedCards(root) {
    root.querySelectorAll("[data-draft-for]").forEach(function (card) {
      if (!card.querySelector("form[data-draft]")) {
        var url = new URL(card.getAttribute("data-draft-for"), window.location.href);
        dropDraft(PREFIX + "draft:" + user + ":" + url.pathname + url.search);
      }
    });
  }

  function showSendError(form) {
    var old = form.querySelector(".draft-send-error");
    if (old) {
      old.remove();
    }
    var box = template(".draft-send-error");
    box.textContent = box.getAttribute("data-text");
    if (!announce(box.textContent)) {
      box.setAttribute("role", "alert");
    }
    form.insertBefore(box, form.firstChild);
  }

  function watch(form) {
    if (form.hasAttribute("data-draft-watched")) {
      return;
    }
    form.setAttribute("data-draft-watched", "");
    var remember = function () {
      saveDraft(form, false);
    };
    form.addEventListener("input", remember);
    form.addEventListener("change", function (event) {
      if (event.isTrusted) {
        remember();
      }
    });
    form.addEventListener("submit", function () {
      saveDraft(form, true);
    });
  }

  // After a full page load: decide about drafts sent from the previous page, offer the rest.
  function reviewDrafts() {
    var forms = draftForms(document);
    var here = {};
    forms.forEach(function (form) {
      here[draftKey(form)] = form;
    });
    var succeeded = document.querySelector(".messages .alert-success");
    var firstOffer = null;
    userDraftKeys().forEach(function (key) {
      var draft = readDraft(key);
      if (!draft || Date.now() - draft.saved > DRAFT_DAYS * 86400000) {
        dropDraft(key);
        return;
      }
      var form = here[key];
      if (!form && draft.pending && succeeded) {
        dropDraft(key); // sent, saved, and redirected to where the success is reported
        return;
      }
      if (draft.pending) {
        draft.pending = false;
        store().setItem(key, JSON.stringify(draft));
      }
      if (form && differs(form, draft.values)) {
        firstOffer = offer(form, draft) || firstOffer;
      }
    });
    if (firstOffer) {
      firstOffer.scrollIntoView({block: "center"});
      firstOffer.querySelector("[data-draft-restore]").focus();
    }
  }

  function forgetUser() {
    var storage = store();
    if (!storage) {
      return;
    }
    userDraftKeys().forEach(dropDraft);
    storage.removeItem(touchedKey());
  }

  function setUp() {
    dialog = document.getElementById("session-warning");
    if (!dialog) {
      return;
    }
    user = dialog.getAttribute("data-user");
    idleMs = Number(dialog.getAttribute("data-idle-seconds")) * 1000;
    // Five minutes before the end, at least 20 seconds (WCAG 2.2.1), at most half of the time.
    warnMs = Math.max(20000, Math.min(300000, idleMs / 2));
    var title = dialog.querySelector("#session-warning-title");
    texts = {warningTitle: title.textContent, expiredTitle: title.getAttribute("data-expired-text")};
    dialog.querySelector("form").addEventListener("submit", keepAlive);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !expired) {
        dismissed = true;
        hideWarning();
      }
    });
    touch();
    window.setInterval(check, 1000);
    window.addEventListener("storage", function (event) {
      if (event.key === touchedKey()) {
        check();
      }
    });

    dropDraftsOfLoggedCards(document);
    draftForms(document).forEach(watch);
    reviewDrafts();
    document.querySelectorAll('form[action="' + dialog.getAttribute("data-logout-url") + '"]')
      .forEach(function (form) {
        form.addEventListener("submit", forgetUser);
      });

    // htmx: every answer refreshed the session; a swapped-in card may have saved its date.
    document.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (xhr && xhr.status && !xhr.getResponseHeader("HX-Redirect")) {
        touch();
      }
    });
    document.addEventListener("htmx:afterSettle", function () {
      dropDraftsOfLoggedCards(document);
      draftForms(document).forEach(watch);
    });
    document.addEventListener("htmx:responseError", function (event) {
      if (event.detail.elt && event.detail.elt.tagName === "FORM") {
        showSendError(event.detail.elt);
      }
    });
    document.addEventListener("htmx:sendError", function (event) {
      if (event.detail.elt && event.detail.elt.tagName === "FORM") {
        showSendError(event.detail.elt);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
