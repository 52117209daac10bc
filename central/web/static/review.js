// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (e) {
  // Filter drop-downs apply at once.
  var form = e.target.closest && e.target.closest("form#filters");
  if (form && e.target.tagName === "SELECT") form.submit();
});
document.addEventListener("submit", function (e) {
  // Forms that change something for everyone ask once more (the server insists on the checkbox too).
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
document.addEventListener("change", function (e) {
  // Import mapping: a column chosen for the match key or the status re-proposes nothing by itself;
  // it only marks the form as edited so the preview button reads "Preview with this mapping".
  var form = e.target.closest && e.target.closest("form#mapping");
  if (form) form.classList.add("edited");
});
