// A page re-shown with errors starts at its error summary: focus moves there, so a screen reader
// reads the problems first and a keyboard user's next Tab is the first error's link (the GOV.UK
// pattern). The summary has tabindex="-1"; without JavaScript, role="alert" still announces it.
(function () {
  "use strict";
  // A page with one form's error (the tracking page's steps) marks it data-error-focus instead.
  var summary = document.querySelector(".error-summary") || document.querySelector("[data-error-focus]");
  if (summary) summary.focus();
})();
