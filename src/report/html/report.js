// Filters the trials by status and by words (path, name, `tag:x`, target). The state lives in
// the address's fragment (`#status=failed&q=tag%3Amfa`), so a filtered view can be linked to.
// Reads only attributes the report wrote and toggles `hidden`: it never builds markup.
(function () {
  "use strict";
  var trials = Array.prototype.slice.call(document.querySelectorAll(".trial"));
  var statuses = Array.prototype.slice.call(document.querySelectorAll("input[name=status]"));
  var query = document.getElementById("query");
  var shown = document.getElementById("shown-count");

  function readFragment() {
    var params = new URLSearchParams(window.location.hash.slice(1));
    var status = params.get("status") || "all";
    statuses.forEach(function (input) { input.checked = input.value === status; });
    if (!statuses.some(function (input) { return input.checked; })) { statuses[0].checked = true; }
    query.value = params.get("q") || "";
  }

  function writeFragment(status) {
    var params = new URLSearchParams();
    if (status !== "all") { params.set("status", status); }
    if (query.value) { params.set("q", query.value); }
    try { history.replaceState(null, "", "#" + params.toString()); } catch (error) { /* file: URLs may refuse */ }
  }

  function apply(remember) {
    var checked = statuses.filter(function (input) { return input.checked; })[0];
    var status = checked ? checked.value : "all";
    var words = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    trials.forEach(function (trial) {
      var text = trial.getAttribute("data-search") || "";
      var visible = (status === "all" || trial.getAttribute("data-status") === status) &&
        words.every(function (word) { return text.indexOf(word) !== -1; });
      trial.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = String(count);
    if (remember) { writeFragment(status); }
  }

  statuses.forEach(function (input) { input.addEventListener("change", function () { apply(true); }); });
  query.addEventListener("input", function () { apply(true); });
  document.querySelectorAll("button.tag").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      query.value = "tag:" + button.getAttribute("data-tag");
      apply(true);
    });
  });
  window.addEventListener("hashchange", function () { readFragment(); apply(false); });
  readFragment();
  apply(false);
}());
