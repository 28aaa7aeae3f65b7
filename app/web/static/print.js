// The brief's print button (pages run no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-brief");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
