// Evidence images on agents' pages start blurred and grey; a button per image reveals it (and
// blurs it again). Without this script, the blurred preview links to the image alone.
(() => {
  document.querySelectorAll("[data-evidence]").forEach((evidence) => {
    const button = evidence.querySelector("[data-reveal]");
    if (!button) return;
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const revealed = !evidence.classList.toggle("evidence-blurred");
      button.textContent = revealed ? "Blur again" : "Show image";
      button.setAttribute("aria-pressed", String(revealed));
    });
  });
})();
