// Keeps what the clinician types as a server-side draft (plugin/recording/drafts.py), so that
// an expired launch loses nothing. Sends the form, debounced, to its data-draft-url.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch) { return; }
  var timer = null;
  function send() {
    timer = null;
    fetch(form.getAttribute("data-draft-url"), {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "error"
    }).catch(function () { /* the draft is a convenience; Save still sends everything */ });
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(send, 600);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
