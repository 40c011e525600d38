// The instant quote on the order form: as the buyer types, ask the server what could be delivered
// by the chosen date (a GET that changes nothing) and show its answer in the form's live region.
(function () {
  "use strict";
  var form = document.querySelector("form[data-quote-url]");
  var out = document.getElementById("quote");
  if (!form || !out || !window.fetch) {
    return;
  }
  var fields = ["kit", "quantity", "delivery_province", "needed_by"];
  var timer = null;
  var asked = 0;

  function ask() {
    var params = new URLSearchParams();
    fields.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value.trim()) {
        params.set(name, field.value.trim());
      }
    });
    if (!params.get("quantity")) {
      out.textContent = "";
      return;
    }
    var mine = ++asked;
    fetch(form.getAttribute("data-quote-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (r) {
        // a quote (200) or what cannot be quoted (422); anything else (a limit, an outage) is not
        // the form's business: the region is left empty
        return r.status === 200 || r.status === 422 ? r.text() : "";
      })
      .then(function (html) {
        if (mine === asked) {  // only the answer to the latest question is shown
          var doc = new DOMParser().parseFromString(html, "text/html");
          out.replaceChildren.apply(out, Array.prototype.slice.call(doc.body.childNodes));
        }
      })
      .catch(function () { /* the form works without the quote */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  ask();
}());
