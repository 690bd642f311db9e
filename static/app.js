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

// Buttons only needed without JavaScript (the canned-reply "Find": the list filters as you type).
document.querySelectorAll("[data-js-hide]").forEach((element) => {
  element.hidden = true;
});

// The agent's ticket form: one box (reply or note), the ticket's fields beside it, and one
// button whose label says what sending will do. Canned replies go into the box in place and set
// their status and priority on the visible fields; the server applies only what is posted.
(() => {
  const form = document.querySelector("[data-ticket-form]");
  if (!form) return;
  const box = form.elements.body;
  const label = form.querySelector("label[for=reply-body]");
  const button = form.querySelector("[data-submit-label]");
  const fieldNames = ["status", "priority", "assignee", "category"];
  const shown = form.dataset.fields;
  const statusName = (value) => {
    const text = value.replace("_", " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
  const kind = () => form.elements.kind.value || "note";

  // The same rule as submit_label() in helpdesk/views/agent.py.
  const describe = () => {
    const status = form.elements.status.value;
    const fields = fieldNames.map((name) => form.elements[name].value).join("|");
    if (!box.value.trim() && fields !== shown) return "Save changes";
    const verb = kind() === "reply" ? "Send" : "Add note";
    if (status === form.dataset.status) return kind() === "reply" ? "Send reply" : verb;
    const then = { solved: "solve", closed: "close" }[status];
    return `${verb} and ${then || "set " + statusName(status)}`;
  };
  const refresh = () => {
    const note = kind() === "note";
    form.classList.toggle("is-note", note);
    label.textContent = note ? label.dataset.noteLabel : label.dataset.replyLabel;
    button.textContent = describe();
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);

  form.switchTo = (value) => {
    const radio = form.querySelector(`input[name=kind][value=${value}]`);
    if (radio) radio.checked = true;
    refresh();
    box.focus();
  };

  // Drafts: kept in this browser per ticket, restored on load, forgotten once sent.
  const key = `helpdesk-draft:${form.dataset.draft}`;
  if (form.hasAttribute("data-draft-sent")) {
    localStorage.removeItem(key);
  } else if (!box.value) {
    const saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved?.body) {
      box.value = saved.body;
      form.switchTo(saved.kind);
      box.blur();
    }
  }
  form.addEventListener("input", () => {
    if (box.value.trim()) {
      localStorage.setItem(key, JSON.stringify({ body: box.value, kind: kind() }));
    } else {
      localStorage.removeItem(key);
    }
  });

  const picker = form.querySelector(".canned-picker");
  if (picker) {
    const replies = JSON.parse(document.getElementById("canned-data").textContent);
    const search = form.elements.canned_q;
    const select = form.elements.canned;
    const effect = document.getElementById("canned-effect");

    const filter = () => {
      const words = search.value.trim().toLowerCase();
      const matching = replies.filter((reply) =>
        `${reply.title}\n${reply.body}`.toLowerCase().includes(words),
      );
      // With words typed, the best match comes first and chosen, so Enter uses it.
      const first = words ? [] : [new Option("Choose…", "")];
      if (!matching.length) first.push(new Option("No canned replies match", ""));
      select.replaceChildren(
        ...first,
        ...matching.map((reply) => new Option(reply.label, reply.id)),
      );
    };

    const use = () => {
      const reply = replies.find((each) => String(each.id) === select.value);
      if (!reply) {
        effect.textContent = "Choose a canned reply.";
        return;
      }
      if (reply.error) {
        effect.textContent = reply.error;
        return;
      }
      form.switchTo("reply");
      box.setRangeText(reply.body, box.selectionStart, box.selectionEnd, "end");
      form.elements.canned_id.value = reply.id;
      let said = `Inserted “${reply.title}”.`;
      if (reply.priority) form.elements.priority.value = reply.priority;
      if (reply.status) {
        const status = form.elements.status;
        if ([...status.options].some((option) => option.value === reply.status)) {
          status.value = reply.status;
          said += ` Status set to ${statusName(reply.status)}: check it before sending.`;
        } else {
          said += ` It would set ${statusName(reply.status)}, which this ticket cannot become.`;
        }
      }
      effect.textContent = said;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    };

    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      use();
    });
    picker.querySelector("[name=use_canned]").addEventListener("click", (event) => {
      event.preventDefault();
      use();
    });
  }
  refresh();
})();

// The inbox: a select-all box for the page, and bulk actions shown once a ticket is chosen.
// Without JavaScript the actions stay visible and the select-all box stays hidden.
(() => {
  const bulk = document.querySelector("[data-bulk]");
  if (!bulk) return;
  const all = bulk.querySelector("[data-select-all]");
  const actions = bulk.querySelector(".bulk-actions");
  const boxes = [...bulk.querySelectorAll("input[name=ticket]")];
  const update = () => {
    const chosen = boxes.filter((box) => box.checked).length;
    actions.hidden = chosen === 0;
    all.checked = chosen === boxes.length;
    all.indeterminate = chosen > 0 && chosen < boxes.length;
  };
  all.hidden = false;
  all.addEventListener("change", () => {
    boxes.forEach((box) => {
      box.checked = all.checked;
    });
    update();
  });
  boxes.forEach((box) => box.addEventListener("change", update));
  update();
})();

// Keys for agents: j/k move through the inbox and Enter opens; r and n write a reply or a
// note on a ticket; ? lists them. None fires while typing in a field.
(() => {
  const help = document.getElementById("keyboard-help");
  if (!help) return;
  const rows = [...document.querySelectorAll("[data-inbox-row]")];
  const ticketForm = document.querySelector("[data-ticket-form]");
  let current = -1;

  const move = (step) => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, current + step));
    rows[current].tabIndex = -1;
    rows[current].focus();
  };
  const typing = (target) =>
    target.closest("input, textarea, select, [contenteditable]") !== null;

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (help.open) return;
    const row = event.target.closest?.("[data-inbox-row]");
    if (event.key === "?") {
      help.showModal();
    } else if (event.key === "j" || event.key === "k") {
      if (row) current = rows.indexOf(row);
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "Enter" && row) {
      row.querySelector("a[href]").click();
    } else if (ticketForm && (event.key === "r" || event.key === "n")) {
      ticketForm.switchTo(event.key === "r" ? "reply" : "note");
    } else {
      return;
    }
    event.preventDefault();
  });
})();
