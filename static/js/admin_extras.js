/* The portal's own additions to the Wagtail admin, without inline script (CSP, issue 13):
 * - `[data-select-all="<form id>"]`: a checkbox that ticks every `ids` box of that form;
 * - `[data-reload-after="<seconds>"]`: reloads the page after that many seconds (a running tally). */
(function () {
  "use strict";

  function selectAll(toggle) {
    var form = toggle.getAttribute("data-select-all");
    toggle.addEventListener("change", function () {
      document.querySelectorAll('input[form="' + form + '"][name="ids"]').forEach(function (box) {
        box.checked = toggle.checked;
      });
    });
  }

  function reloadAfter(element) {
    var seconds = parseInt(element.getAttribute("data-reload-after"), 10);
    if (seconds > 0) {
      window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
    }
  }

  function init() {
    document.querySelectorAll("[data-select-all]").forEach(selectAll);
    document.querySelectorAll("[data-reload-after]").forEach(reloadAfter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
