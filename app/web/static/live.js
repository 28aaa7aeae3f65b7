/* The dashboard's open alerts, kept current from the server's alert stream (Server-Sent Events).
   Without JavaScript the page still works: it shows the alerts as of loading, and acknowledging is a form. */
(function () {
  "use strict";
  var box = document.getElementById("live-alerts");
  if (!box || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var labels = JSON.parse(document.getElementById("alert-labels").textContent);
  var tbody = box.querySelector("tbody");
  var count = document.getElementById("open-alert-count");
  var ranks = ["low", "medium", "high", "critical"];
  var placeholder = "00000000-0000-0000-0000-000000000000";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function badge(kind, value) {
    return element("span", kind + " " + kind + "-" + value, labels[kind === "state" ? "alert_state" : kind][value] || value);
  }

  // Times in the city's zone, as the server writes them ("sv-SE" formats as 2026-11-29 13:05).
  var clock = new Intl.DateTimeFormat("sv-SE", {timeZone: box.dataset.timezone, year: "numeric", month: "2-digit",
                                                day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false});
  function localTime(iso) { return clock.format(new Date(iso)); }

  function ackForm(alert) {
    var form = element("form", "ack-form");
    form.method = "post";
    form.action = box.dataset.ackUrl.replace(placeholder, alert.id);
    [["csrf_token", box.dataset.csrf], ["next", box.dataset.back]].forEach(function (pair) {
      var input = element("input");
      input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
      form.appendChild(input);
    });
    var note = element("input");
    note.name = "note"; note.maxLength = 500; note.placeholder = labels.note;
    note.setAttribute("aria-label", labels.note);
    form.appendChild(note);
    var button = element("button", "button small", labels.acknowledge);
    button.type = "submit";
    form.appendChild(button);
    return form;
  }

  function newRow(alert) {
    var row = element("tr");
    row.id = "alert-" + alert.id;
    row.dataset.alertId = alert.id;
    var severity = element("td"); severity.appendChild(badge("severity", alert.severity)); row.appendChild(severity);
    var title = element("td"), page = element("a", "", alert.title);
    page.href = box.dataset.alertUrl.replace(placeholder, alert.id);
    title.appendChild(page); row.appendChild(title);
    row.appendChild(element("td", "", labels.alert_kind[alert.kind] || alert.kind));
    var trip = element("td");
    if (alert.waybill_id) {
      var link = element("a", "", labels.waybill);
      link.href = box.dataset.waybillUrl.replace(placeholder, alert.waybill_id);
      trip.appendChild(link);
    }
    row.appendChild(trip);
    row.appendChild(element("td", "", localTime(alert.started_at)));
    row.appendChild(element("td", "alert-state"));
    var action = element("td"); action.appendChild(ackForm(alert)); row.appendChild(action);
    return row;
  }

  function wanted(alert) {
    var floor = box.dataset.minSeverity;
    // The stream does not say which district an alert belongs to: a district-filtered page adds none.
    return !box.dataset.district && (!floor || ranks.indexOf(alert.severity) >= ranks.indexOf(floor));
  }

  function recount() {
    var rows = tbody.querySelectorAll("tr[data-alert-id]").length;
    count.textContent = rows;
    var empty = tbody.querySelector("tr.empty");
    if (empty) { empty.hidden = rows > 0; }
  }

  function apply(alert) {
    var row = document.getElementById("alert-" + alert.id);
    if (alert.state === "closed") {
      if (row) { row.parentNode.removeChild(row); }
      recount();
      return;
    }
    if (!row) {
      if (!wanted(alert)) { return; }
      row = newRow(alert);
      tbody.insertBefore(row, tbody.firstChild);
    }
    row.dataset.state = alert.state;
    var state = row.querySelector(".alert-state");
    state.textContent = "";
    state.appendChild(badge("state", alert.state));
    row.querySelector(".severity").replaceWith(badge("severity", alert.severity));
    var form = row.querySelector(".ack-form");
    if (alert.state !== "open") {
      if (form) { form.parentNode.removeChild(form); }
    } else if (!form && box.dataset.ackUrl) {
      row.lastElementChild.appendChild(ackForm(alert));  // escalated: open again for a new action
    }
    row.classList.remove("changed");
    void row.offsetWidth;  // restart the highlight animation
    row.classList.add("changed");
    recount();
  }

  var source = new EventSource(box.dataset.stream);
  source.onopen = function () { status.textContent = status.dataset.connected; status.dataset.live = "on"; };
  source.onerror = function () { status.textContent = status.dataset.lost; status.dataset.live = "off"; };
  // Events are named by their change; a stream that names them all "change" is read the same (data.change).
  ["opened", "updated", "acknowledged", "closed", "escalated", "resolved", "change"].forEach(function (change) {
    source.addEventListener(change, function (event) { apply(JSON.parse(event.data)); });
  });
}());
