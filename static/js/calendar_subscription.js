/* Mein Kalender-Abo: a "Copy" button beside the calendar address. Without this file the
   address stays in a read-only field to select and copy by hand. */
(function () {
  "use strict";

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = "";
      // A fresh text node, so that screen readers announce a second copy too.
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById("copy-status");
    var done = function () {
      announce(status ? status.getAttribute("data-copied") : "");
    };
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (document.execCommand("copy")) {
          done();
        }
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });
    var address = document.getElementById("feed-address");
    if (address) {
      address.scrollIntoView({block: "nearest"});
    }
  });
})();
