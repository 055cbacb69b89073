/* Search-as-you-type choosers for long lists (partners, projects, Gremien).
 *
 * A <select data-chooser="URL"> renders only "all" and the chosen option; this file turns it
 * into a Tom Select combobox that asks URL?q=… for at most 20 matches ({"results": [{"id",
 * "text"}]}), under the same scoping as the list. Without JavaScript the select still submits
 * the chosen value. Texts come from data attributes, translated by the server.
 */
(function () {
  "use strict";

  function escapeHtml(text) {
    var element = document.createElement("span");
    element.textContent = text;
    return element.innerHTML;
  }

  function message(select, name, fallback) {
    return escapeHtml(select.getAttribute("data-chooser-" + name) || fallback);
  }

  function setUp(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") {
      return;
    }
    var url = select.getAttribute("data-chooser");
    var chooser = new window.TomSelect(select, {
      valueField: "id",
      labelField: "text",
      searchField: [],
      allowEmptyOption: true,
      maxOptions: 21,
      preload: "focus",
      loadThrottle: 250,
      placeholder: select.getAttribute("data-chooser-placeholder") || "",
      plugins: {
        clear_button: { title: select.getAttribute("data-chooser-clear") || "" },
      },
      // The server has matched and ordered the options already.
      score: function () {
        return function () {
          return 1;
        };
      },
      load: function (query, callback) {
        var self = this;
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            if (!response.ok) {
              throw new Error(String(response.status));
            }
            return response.json();
          })
          .then(function (data) {
            // Only this query's matches (and the chosen option) stay in the list.
            self.clearOptions();
            callback(data.results);
          })
          .catch(function () {
            callback();
          });
      },
      render: {
        no_results: function () {
          return '<div class="no-results">' + message(select, "no-results", "–") + "</div>";
        },
        loading: function () {
          // No role inside the listbox (only options belong there); the text is read out.
          return '<div class="p-2 text-body-secondary">' + message(select, "loading", "…") + "</div>";
        },
      },
    });
    // The combobox now carries the label; the hidden select stays only to submit the value.
    chooser.input.setAttribute("aria-hidden", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-chooser]").forEach(setUp);
  });
})();
