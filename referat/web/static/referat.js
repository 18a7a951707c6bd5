// Progressive enhancement only: every page works without it.
// A search form submits only the fields that are filled in, so the address stays short to share.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("search")) return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && !field.value) field.disabled = true;
  });
  setTimeout(function () {  // re-enable, so going back shows the form as it was
    Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
  }, 0);
});
