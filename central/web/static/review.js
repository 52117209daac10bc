// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (e) {
  // Filter drop-downs apply at once.
  var form = e.target.closest && e.target.closest("form#filters");
  if (form && e.target.tagName === "SELECT") form.submit();
});
