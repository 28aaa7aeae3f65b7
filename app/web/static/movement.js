/* The movement form shows only the fields the chosen kind needs (each field lists its kinds in data-kinds).
   Without JavaScript every field shows, and the server names any that are missing. */
(function () {
  "use strict";
  var form = document.getElementById("movement-form");
  if (!form) { return; }
  var kind = form.querySelector("#kind");
  function update() {
    form.querySelectorAll(".field[data-kinds]").forEach(function (field) {
      var off = kind.value !== "" && field.dataset.kinds.split(" ").indexOf(kind.value) < 0;
      field.hidden = off;
      field.querySelectorAll("input, select").forEach(function (input) { input.disabled = off; });
    });
  }
  kind.addEventListener("change", update);
  update();
}());
