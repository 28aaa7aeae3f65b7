/* Follow a vehicle live: ask the server for the page's live parts (position, map, open alerts) every few
   seconds and put them in place. Without JavaScript the page shows the trip as of loading. */
(function () {
  "use strict";
  var parts = document.getElementById("live-parts");
  var status = document.getElementById("live-status");
  if (!parts || !window.fetch) { return; }
  var every = Math.max(1, Number(parts.dataset.every) || 5) * 1000;
  var shown = null;

  function refresh() {
    fetch(parts.dataset.poll, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (news) {
        status.textContent = status.dataset.connected;
        status.dataset.live = "on";
        if (news.html !== shown) {  // the server draws the same parts the page was loaded with
          parts.innerHTML = news.html;
          shown = news.html;
        }
      })
      .catch(function () {
        status.textContent = status.dataset.lost;
        status.dataset.live = "off";
      })
      .then(function () { window.setTimeout(refresh, every); });
  }
  refresh();
}());
