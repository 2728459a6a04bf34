// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change (language switch, filters).
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.matches("select")) {
      form.submit();
    }
  });
  // Destructive actions confirm first: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // Show the exact time of relative dates on hover is done with title=; nothing to do here.
})();
