/* The waybill form offers as unloading sites only the chosen consignee's (each group of sites names its
   enterprise in data-group). Without JavaScript every active site is listed, grouped by enterprise, and the
   server refuses a site that is not the consignee's, naming the field. */
(function () {
  "use strict";
  var consignee = document.getElementById("consignee_id");
  var site = document.getElementById("unloading_site_id");
  if (!consignee || !site) { return; }
  function update() {
    site.querySelectorAll("optgroup[data-group]").forEach(function (group) {
      var off = consignee.value !== "" && group.dataset.group !== consignee.value;
      group.hidden = off;
      group.disabled = off;
    });
    var chosen = site.options[site.selectedIndex];
    if (chosen && chosen.parentNode.disabled) { site.value = ""; }
  }
  consignee.addEventListener("change", update);
  update();
}());

/* While the lines' batches are chosen, the panel under them shows what the submission's dangerous-goods rules
   will say (GET /firm/waybills/rules): each line's transport-document line (ADR 5.4.1.1.1), whether the goods
   may be loaded together (ADR 7.5.2) and the load's tunnel restriction code (ADR 8.6), weighing the quantities
   and packaging filled so far for the small-load exemption (ADR 1.1.3.6, 8.6.3.3). Without JavaScript the
   submission says the same. */
(function () {
  "use strict";
  var panel = document.getElementById("rules-preview");
  if (!panel || !window.fetch) { return; }
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[name$='.batch_id']"));
  function item(list, text, css) {
    var li = document.createElement("li");
    li.textContent = text;
    if (css) { li.className = css; }
    list.appendChild(li);
  }
  function show(answer) {
    var lines = panel.querySelector(".rules-lines");
    var tunnel = panel.querySelector(".rules-tunnel");
    var mix = panel.querySelector(".rules-mix");
    lines.textContent = "";
    tunnel.textContent = "";
    answer.lines.forEach(function (line) {
      item(lines, line.document || line.problems.join("; "), line.document ? "" : "error");
    });
    mix.textContent = (answer.mix.allowed ? panel.dataset.together : panel.dataset.apart) +
      (answer.mix.reasons.length ? ": " + answer.mix.reasons.join("; ") : "");
    mix.className = "rules-mix" + (answer.mix.allowed ? "" : " error");
    [["packages", panel.dataset.packages], ["tank", panel.dataset.tank]].forEach(function (kind) {
      var t = answer.tunnel[kind[0]];
      if (t.code) {
        item(tunnel, panel.dataset.tunnel + " " + t.code + " (" + kind[1] + "): " + panel.dataset.closed + " " +
          (t.closed.join(", ") || "-"));
      }
    });
    var small = answer.small_load;
    if (small && small.points !== null) {  /* ADR 1.1.3.6: the points of the lines filled so far */
      item(tunnel, panel.dataset.small + ": " + small.points + " " + panel.dataset.points +
        (small.exempt ? "; " + panel.dataset.exempt : ""), small.exempt ? "" : "error");
    }
    panel.hidden = answer.lines.length === 0;
  }
  function field(select, name) {  /* the same line's input: lines.N.batch_id -> lines.N.<name> */
    var input = document.querySelector("[name='" + select.name.replace(/batch_id$/, name) + "']");
    return input ? input.value : "";
  }
  function update() {
    var query = selects.filter(function (s) { return s.value; }).map(function (s) {
      return "batch_id=" + encodeURIComponent(s.value) +
        "&quantity_kg=" + encodeURIComponent(field(s, "quantity_kg")) +
        "&packaging_kind=" + encodeURIComponent(field(s, "packaging_kind"));
    }).join("&");
    if (!query) { panel.hidden = true; return; }
    fetch(panel.dataset.url + "?" + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { show(answer); } })
      .catch(function () { panel.hidden = true; });
  }
  selects.forEach(function (s) {
    s.addEventListener("change", update);
    ["quantity_kg", "packaging_kind"].forEach(function (name) {
      var input = document.querySelector("[name='" + s.name.replace(/batch_id$/, name) + "']");
      if (input) { input.addEventListener("change", update); }
    });
  });
  update();
}());
