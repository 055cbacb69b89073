/* Search-as-you-type choosers for long lists (partners, projects, Gremien), and what the
 * activity and series forms fill in as the user chooses.
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

  /* A long checkbox list (input[data-multi-chooser], teams.widgets.ChooserCheckboxes) becomes
   * a search-as-you-type chooser. The checkboxes stay in the form, hidden, and are what is sent:
   * the chooser only ticks them. Without JavaScript the list is used as it is. */
  function setUpMulti(inputs) {
    var first = inputs[0];
    var wrapper = document.getElementById("div_id_" + first.name);
    var list = first.closest(".form-check") && first.closest(".form-check").parentElement;
    if (!wrapper || !list || wrapper.multiChooser || typeof window.TomSelect !== "function") {
      return;
    }
    var select = document.createElement("select");
    select.multiple = true;
    select.id = "id_" + first.name + "_chooser";
    var groups = {};
    inputs.forEach(function (input) {
      var label = document.querySelector('label[for="' + input.id + '"]');
      var option = new Option(label ? label.textContent.trim() : input.value, input.value);
      option.selected = input.checked;
      var group = input.getAttribute("data-group") || "";
      if (!group) {
        select.appendChild(option);
        return;
      }
      if (!groups[group]) {
        groups[group] = document.createElement("optgroup");
        groups[group].label = group;
        select.appendChild(groups[group]);
      }
      groups[group].appendChild(option);
    });
    // In a box of its own: Bootstrap floats the legend and clears only its next sibling.
    var box = document.createElement("div");
    box.appendChild(select);
    list.parentElement.insertBefore(box, list);
    list.hidden = true;
    var errors = list.querySelector(".invalid-feedback");
    if (errors) {
      errors.classList.add("d-block");
      box.appendChild(errors);
    }
    var chooser = new window.TomSelect(select, {
      plugins: { remove_button: { title: first.getAttribute("data-chooser-remove") || "" } },
      maxOptions: null,
      closeAfterSelect: true,
      hidePlaceholder: false,
      placeholder: first.getAttribute("data-chooser-placeholder") || "",
      render: {
        no_results: function () {
          return '<div class="no-results">' + message(first, "no-results", "–") + "</div>";
        },
      },
      onChange: function () {
        var chosen = this.getValue();
        inputs.forEach(function (input) {
          input.checked = chosen.indexOf(input.value) !== -1;
        });
      },
    });
    var legend = wrapper.querySelector("legend, label");
    if (legend) {
      legend.id = legend.id || "id_" + first.name + "_legend";
      chooser.control_input.setAttribute("aria-labelledby", legend.id);
      legend.removeAttribute("for");
    }
    chooser.input.setAttribute("aria-hidden", "true");
    wrapper.multiChooser = chooser;
  }

  // Tick these values of a checkbox list (through its chooser, when there is one).
  function choose(form, name, values) {
    var wrapper = document.getElementById("div_id_" + name);
    if (wrapper && wrapper.multiChooser) {
      wrapper.multiChooser.setValue(values);
      return;
    }
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      input.checked = values.indexOf(input.value) !== -1;
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      });
  }

  function setSelect(select, value) {
    if (select && !select.value && value) {
      select.value = String(value);
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  /* Activity form: choosing a series, Gremium or project fills an empty municipality and,
   * when none is ticked, the partners it implies (the server does the same when saving). */
  function setUpActivityContext(form) {
    var url = form.getAttribute("data-context-url");
    ["consultation_hour", "body", "project"].forEach(function (name) {
      var select = form.querySelector('select[name="' + name + '"]');
      if (!select) {
        return;
      }
      select.addEventListener("change", function () {
        if (!select.value) {
          return;
        }
        fetchJson(url + "?" + name + "=" + encodeURIComponent(select.value))
          .then(function (data) {
            setSelect(form.querySelector("select[name=municipality]"), data.municipality);
            var ticked = form.querySelectorAll('input[name="partners"]:checked').length;
            if (!ticked && data.partners.length) {
              choose(form, "partners", data.partners.map(function (p) {
                return String(p.id);
              }));
            }
          })
          .catch(function () {});
      });
    });
  }

  /* Series form: venues only in the chosen municipality; a new series is public where the
   * venue is a public place, unless the user has set "public" themself. */
  function setUpSeriesForm(form) {
    var municipality = form.querySelector("select[name=municipality]");
    var venue = form.querySelector("select[name=venue]");
    var isPublic = form.querySelector("input[name=is_public]");
    var touched = !form.hasAttribute("data-public-default");
    if (!municipality || !venue) {
      return;
    }
    if (isPublic) {
      isPublic.addEventListener("change", function (event) {
        if (event.isTrusted) {
          touched = true;
        }
      });
    }
    venue.addEventListener("change", function () {
      var option = venue.options[venue.selectedIndex];
      if (!option || !option.value) {
        return;
      }
      setSelect(municipality, option.getAttribute("data-municipality"));
      if (isPublic && !touched && option.hasAttribute("data-public")) {
        isPublic.checked = option.getAttribute("data-public") === "true";
      }
    });
    municipality.addEventListener("change", function () {
      if (!municipality.value) {
        return;
      }
      var url = form.getAttribute("data-venues-url");
      fetchJson(url + "?municipality=" + encodeURIComponent(municipality.value))
        .then(function (data) {
          var chosen = venue.value;
          var empty = venue.options[0] && !venue.options[0].value ? venue.options[0] : null;
          venue.innerHTML = "";
          if (empty) {
            venue.appendChild(empty);
          }
          data.results.forEach(function (row) {
            var option = new Option(row.text, String(row.id));
            option.setAttribute("data-municipality", municipality.value);
            option.setAttribute("data-public", row.public ? "true" : "false");
            venue.appendChild(option);
          });
          venue.value = chosen;
          if (venue.value !== chosen) {
            venue.value = "";
          }
        })
        .catch(function () {});
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-chooser]").forEach(setUp);
    var lists = {};
    document.querySelectorAll("input[data-multi-chooser]").forEach(function (input) {
      (lists[input.name] = lists[input.name] || []).push(input);
    });
    Object.keys(lists).forEach(function (name) {
      setUpMulti(lists[name]);
    });
    document.querySelectorAll("form[data-context-url]").forEach(setUpActivityContext);
    document.querySelectorAll("form[data-series-form]").forEach(setUpSeriesForm);
  });
})();
