/* After a refused submission, move the keyboard focus to the summary of problems (screen readers read it). */
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
}());
