// Copy buttons: a button with data-copy="ID" copies the value of the element ID and says so in
// the element named by its data-copy-status. The page works without this script (the value
// is shown and selectable); the script only shows the button and does the copying.
(function () {
  "use strict";
  function say(status, text) {
    if (status) {
      status.textContent = text;
    }
  }
  function fallback(field, status, button) {
    field.focus();
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    say(status, copied ? button.getAttribute("data-copied") : button.getAttribute("data-failed"));
  }
  function setUp(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = field.value;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say(status, button.getAttribute("data-copied")); },
          function () { fallback(field, status, button); }
        );
      } else {
        fallback(field, status, button);
      }
    });
  }
  function start() {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      setUp(buttons[i]);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
