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
