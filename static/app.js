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

// Help-center suggestions on the report form: up to three published articles that match the
// subject, from a JSON endpoint. Without JavaScript the form is the same, only without them.
(() => {
  const subject = document.querySelector("[data-suggest-url]");
  const box = document.getElementById("article-suggestions");
  if (!subject || !box) return;
  let timer = null;
  let lastQuery = "";
  let request = null;

  const show = (articles) => {
    box.replaceChildren();
    if (!articles.length) {
      box.hidden = true;
      return;
    }
    const heading = document.createElement("h2");
    heading.textContent = "These articles may answer your question";
    const list = document.createElement("ul");
    for (const article of articles) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = article.url;
      link.textContent = article.title;
      link.target = "_blank"; // keeps what the member already typed in the form
      link.rel = "noopener";
      item.append(link);
      if (article.summary) {
        const summary = document.createElement("span");
        summary.className = "muted";
        summary.textContent = " " + article.summary;
        item.append(summary);
      }
      list.append(item);
    }
    box.append(heading, list);
    box.hidden = false;
  };

  const lookUp = async () => {
    const query = subject.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (query.length < 3) {
      show([]);
      return;
    }
    request?.abort();
    request = new AbortController();
    const url = new URL(subject.dataset.suggestUrl, window.location.href);
    url.searchParams.set("subject", query);
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        signal: request.signal,
        credentials: "same-origin",
      });
      if (response.ok) show((await response.json()).articles || []);
    } catch (error) {
      if (error.name !== "AbortError") show([]);
    }
  };

  subject.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300);
  });
  if (subject.value.trim()) lookUp();
})();

// The privacy guard's suggested wording goes into the reply box with one click; without
// JavaScript the button stays hidden and the wording can be copied from the page.
document.querySelectorAll("[data-insert-suggestion]").forEach((button) => {
  const suggestion = document.getElementById(button.dataset.insertSuggestion);
  const box = document.getElementById(button.dataset.into);
  if (!suggestion || !box) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    box.value = suggestion.textContent;
    box.focus();
  });
});
