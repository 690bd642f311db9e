// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  // The server already turns a double submit into one ticket; this spares the second request.
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "yes";
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    button.setAttribute("aria-disabled", "true");
    button.classList.add("is-busy");
  });
});
