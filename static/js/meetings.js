// Meeting pages: a print button for the public summary (A4 notice board), and copy-on-click for
// the sign-in code and link shown on the convenor's screen.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  // The invite form: show only the field the chosen kind needs (a phone, a department, or a name).
  document.querySelectorAll("[data-testid=invite-form]").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    function needed(value) {
      if (value === "person") { return "phone"; }
      if (value === "department") { return "department"; }
      return "organisation_name";
    }
    function update() {
      var want = needed(kind.value);
      ["phone", "department", "organisation_name"].forEach(function (name) {
        var box = form.querySelector("[data-invite-field=" + name + "]");
        if (box) { box.hidden = name !== want; }
      });
    }
    kind.addEventListener("change", update);
    update();
  });
})();
