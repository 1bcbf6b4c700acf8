// CRM pages: the one script. Every page works without it (forms post to the server); with it:
// toasts fade, dialogs open in place, comboboxes suggest from the JSON API, tasks tick through
// PATCH /api/crm/activities/{id}, and the Kanban board gets native HTML5 drag-and-drop plus a
// keyboard "Move to…" menu, each move saved by one PATCH /api/crm/deals/{id} and followed by
// a reload of the columns so the board shows the server's order.
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const enc = encodeURIComponent;

  // ---- toasts -------------------------------------------------------------------------------
  function armToast(el) {
    const close = () => el.remove();
    const button = $(".toast-close", el);
    if (button) button.addEventListener("click", close);
    setTimeout(close, el.classList.contains("toast-error") ? 9000 : 5000);
  }

  function toast(message, kind) {
    const box = $("#toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast toast-" + (kind || "success");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.dataset.testid = "toast";
    const text = document.createElement("span");
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    el.append(text, close);
    box.append(el);
    armToast(el);
  }

  // ---- JSON API (the session cookie authenticates) -------------------------------------------
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      data = null;
    }
    if (!res.ok) {
      if (res.status === 401) throw new Error("Your session has expired. Please sign in again.");
      const err = data && data.error;
      let message = (err && err.message) || "The request failed (" + res.status + ").";
      const fields = err && err.details && err.details.fields;
      if (fields) {
        message += " " + Object.entries(fields)
          .map(([k, v]) => k + ": " + [].concat(v).join(", "))
          .join("; ");
      }
      throw new Error(message);
    }
    return data;
  }

  async function fetchHtml(url) {
    const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (res.redirected && new URL(res.url).pathname === "/login") {
      window.location.assign(res.url);
      throw new Error("Please sign in again.");
    }
    if (!res.ok) throw new Error("Could not load the latest data (" + res.status + ").");
    return { html: await res.text(), res };
  }

  // ---- small helpers bound on the whole document ---------------------------------------------
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
    }
  });

  // A broken avatar or logo falls back to the initials under it.
  document.addEventListener("error", (e) => {
    const t = e.target;
    if (t instanceof HTMLImageElement && t.hasAttribute("data-fallback")) t.remove();
  }, true);

  document.addEventListener("click", (e) => {
    const copy = e.target.closest("[data-copy]");
    if (copy) {
      const text = copy.dataset.copy;
      const done = () => toast("Copied to the clipboard");
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => toast("Could not copy", "error"));
      return;
    }
    const opener = e.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && typeof dialog.showModal === "function") {
        e.preventDefault();
        if (opener.dataset.stageId) {
          const select = $("select[name=stage_id]", dialog);
          if (select) select.value = opener.dataset.stageId;
        }
        if (dialog.open) dialog.close();
        dialog.showModal();
        const first = $("[aria-invalid=true], input:not([type=hidden]), select, textarea", dialog);
        if (first) first.focus();
      }
      return;
    }
    const closer = e.target.closest("[data-close-dialog]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        e.preventDefault();
        dialog.close();
      }
      return;
    }
    // Clicking outside an open menu closes it.
    $$("details.menu[open]").forEach((d) => {
      if (!d.contains(e.target)) d.open = false;
    });
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      $$("details.menu[open]").forEach((d) => {
        d.open = false;
        const s = $("summary", d);
        if (s) s.focus();
      });
    }
  });

  // Dialogs the server opened (a refused form, or ?new=1) become modal.
  $$("dialog[data-autoshow]").forEach((dialog) => {
    if (typeof dialog.showModal !== "function") return;
    if (dialog.open) dialog.close();
    dialog.showModal();
    const first = $("[aria-invalid=true]", dialog) || $("input:not([type=hidden]), select, textarea", dialog);
    if (first) first.focus();
  });

  $$(".toast").forEach(armToast);

  // "Write a note and press Enter" (Shift+Enter for a new line).
  document.addEventListener("keydown", (e) => {
    const area = e.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.hasAttribute("data-enter-submit")) return;
    if (e.key !== "Enter" || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    e.preventDefault();
    if (area.value.trim() && area.form) area.form.requestSubmit();
  });

  // Add-contact company step: show the part of the chosen mode.
  const modeSwitches = $$("[data-mode-switch]");
  function applyMode() {
    const checked = modeSwitches.find((r) => r.checked);
    const mode = checked ? checked.value : "existing";
    $$("[data-mode-section]").forEach((s) => {
      s.hidden = s.dataset.modeSection !== mode;
    });
  }
  if (modeSwitches.length) {
    modeSwitches.forEach((r) => r.addEventListener("change", applyMode));
    applyMode();
  }

  // ---- task checklist: tick = PATCH metadata.completed_at ------------------------------------
  document.addEventListener("change", async (e) => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-task-toggle")) return;
    const done = box.checked;
    let meta = {};
    try {
      meta = JSON.parse(box.dataset.metadata || "{}");
    } catch (_) {
      meta = {};
    }
    meta.completed_at = done ? new Date().toISOString() : null;
    box.disabled = true;
    try {
      const updated = await api("PATCH", "/api/crm/activities/" + box.dataset.activityId, { metadata: meta });
      box.dataset.metadata = JSON.stringify((updated && updated.metadata) || meta);
      const label = $("label[for='" + box.id + "']");
      if (label) label.classList.toggle("done", done);
      toast(done ? "Task completed" : "Task reopened");
    } catch (err) {
      box.checked = !done;
      toast(err.message, "error");
    } finally {
      box.disabled = false;
    }
  });

  // ---- comboboxes (company / contact autocomplete) ---------------------------------------------
  function initCombobox(root) {
    const input = $("input[role=combobox]", root);
    const hidden = $("input[data-combobox-id]", root);
    const list = $("[role=listbox]", root);
    const source = root.dataset.combobox;
    const allowCreate = root.hasAttribute("data-allow-create");
    if (!input || !hidden || !list) return;
    let items = [];
    let active = -1;
    let timer = null;
    let seq = 0;

    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (i) => {
      const options = $$("[role=option]", list);
      options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      active = i;
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    };
    const choose = (i) => {
      const item = items[i];
      if (!item) return;
      input.value = item.label;
      hidden.value = item.id || "";
      close();
      input.dispatchEvent(new CustomEvent("combobox-chosen", { bubbles: true }));
    };
    const render = (q) => {
      list.textContent = "";
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        if (item.create) li.className = "create";
        li.textContent = item.create ? "Create “" + q + "”" : item.label;
        if (item.detail) {
          const small = document.createElement("span");
          small.className = "muted small";
          small.textContent = " · " + item.detail;
          li.append(small);
        }
        li.addEventListener("mousedown", (ev) => {
          ev.preventDefault();
          choose(i);
        });
        list.append(li);
      });
      const open = items.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
    };
    const search = async () => {
      const q = input.value.trim();
      const mine = ++seq;
      if (!q) {
        items = [];
        close();
        return;
      }
      try {
        const data = await api("GET", "/api/crm/" + source + "?limit=8&q=" + enc(q));
        if (mine !== seq) return;
        const rows = (data && data.data) || [];
        items = rows.map((r) => source === "contacts"
          ? { id: r.id, label: (r.first_name + " " + r.last_name).trim(), detail: r.email || (r.company && r.company.name) || "" }
          : { id: r.id, label: r.name, detail: r.industry || "" });
        if (allowCreate && !items.some((i) => i.label.toLowerCase() === q.toLowerCase())) {
          items.push({ id: "", label: q, create: true });
        }
        render(q);
      } catch (err) {
        close();
      }
    };
    input.addEventListener("input", () => {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", (e) => {
      if (list.hidden) {
        if (e.key === "ArrowDown") search();
        return;
      }
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === "Escape") {
        e.stopPropagation();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }
  $$("[data-combobox]").forEach(initCombobox);

  // ---- Kanban board ---------------------------------------------------------------------------
  const board = $("#board");
  if (board) initBoard(board);

  function initBoard(board) {
    const store = window.sessionStorage;
    const load = (key, fallback) => {
      try {
        return JSON.parse(store.getItem(key)) || fallback;
      } catch (_) {
        return fallback;
      }
    };
    const collapsed = new Set(load("crm.collapsed", []));
    const expanded = new Set();
    let expandAll = load("crm.expandAll", false) === true;
    const expandAllButton = $("[data-expand-all]");

    function applyState() {
      $$(".column", board).forEach((col) => {
        const isCollapsed = collapsed.has(col.dataset.stageId);
        col.classList.toggle("collapsed", isCollapsed);
        const button = $("[data-collapse]", col);
        if (button) {
          button.setAttribute("aria-expanded", String(!isCollapsed));
          button.setAttribute("aria-label", (isCollapsed ? "Expand" : "Collapse") + " stage " + col.dataset.stageName);
        }
      });
      $$(".card", board).forEach((card) => {
        const open = expanded.has(card.dataset.dealId);
        card.classList.toggle("expanded", open);
        const b = $("[data-expand]", card);
        if (b) b.setAttribute("aria-expanded", String(open || expandAll));
      });
      board.classList.toggle("expand-all", expandAll);
      if (expandAllButton) {
        expandAllButton.setAttribute("aria-pressed", String(expandAll));
        expandAllButton.textContent = expandAll ? "Collapse cards" : "Expand cards";
      }
    }
    applyState();

    if (expandAllButton) {
      expandAllButton.addEventListener("click", () => {
        expandAll = !expandAll;
        store.setItem("crm.expandAll", JSON.stringify(expandAll));
        applyState();
      });
    }

    board.addEventListener("click", (e) => {
      const collapse = e.target.closest("[data-collapse]");
      if (collapse) {
        const id = collapse.closest(".column").dataset.stageId;
        if (collapsed.has(id)) collapsed.delete(id); else collapsed.add(id);
        store.setItem("crm.collapsed", JSON.stringify(Array.from(collapsed)));
        applyState();
        return;
      }
      const expand = e.target.closest("[data-expand]");
      if (expand) {
        const id = expand.closest(".card").dataset.dealId;
        if (expanded.has(id)) expanded.delete(id); else expanded.add(id);
        applyState();
        return;
      }
      const rename = e.target.closest("[data-rename-stage]");
      if (rename) {
        const input = document.getElementById(rename.dataset.renameStage);
        const menu = rename.closest("details");
        if (menu) menu.open = false;
        if (input) {
          input.focus();
          input.select();
        }
        return;
      }
      const more = e.target.closest("[data-load-more]");
      if (more) {
        loadMore(more);
        return;
      }
      const move = e.target.closest("[data-move-menu]");
      if (move) openMoveMenu(move);
    });

    // Escape in a column title puts the name back.
    board.addEventListener("keydown", (e) => {
      const t = e.target;
      if (e.key === "Escape" && t instanceof HTMLInputElement && t.classList.contains("column-title")) {
        t.value = t.defaultValue;
        t.blur();
      }
    });

    async function loadMore(button) {
      button.disabled = true;
      const q = board.dataset.q || "";
      try {
        const { html, res } = await fetchHtml("/apps/crm/deals/cards?stage_id=" + enc(button.dataset.stageId) +
          "&cursor=" + enc(button.dataset.cursor) + "&q=" + enc(q));
        const list = $(".cards[data-stage-id='" + button.dataset.stageId + "']", board);
        if (list) list.insertAdjacentHTML("beforeend", html);
        const next = res.headers.get("X-Next-Cursor");
        if (next) {
          button.dataset.cursor = next;
          button.disabled = false;
        } else {
          button.remove();
        }
        applyState();
      } catch (err) {
        button.disabled = false;
        toast(err.message, "error");
      }
    }

    async function refresh(focusId) {
      const counts = $$(".cards", board).map((l) => $$(".card", l).length);
      const perStage = Math.min(500, Math.max(100, ...counts));
      const { html } = await fetchHtml("/apps/crm/deals/board?per_stage=" + perStage + "&q=" + enc(board.dataset.q || ""));
      board.innerHTML = html;
      applyState();
      if (focusId) {
        const card = $(".card[data-deal-id='" + focusId + "']", board);
        const target = card && $("[data-move-menu]", card);
        if (target) target.focus();
      }
    }

    // One PATCH per move; then the columns are reloaded from the server (its order, counts
    // and sums). A refused move puts the card back and says why.
    async function moveDeal(card, stageId, order, rollback) {
      const body = { stage_id: stageId };
      if (order !== null && order !== undefined) body.stage_order = order;
      const sameStage = card.dataset.stageId === stageId;
      board.setAttribute("aria-busy", "true");
      let deal;
      try {
        deal = await api("PATCH", "/api/crm/deals/" + card.dataset.dealId, body);
      } catch (err) {
        if (rollback) rollback();
        board.removeAttribute("aria-busy");
        toast(err.message, "error");
        return;
      }
      toast(sameStage ? "“" + deal.name + "” reordered in " + deal.stage : "Deal moved to " + deal.stage);
      try {
        await refresh(card.dataset.dealId);
      } catch (err) {
        toast(err.message, "error");
      } finally {
        board.removeAttribute("aria-busy");
      }
    }

    const cardsOf = (list) => $$(".card", list);
    const neighbour = (card, dir) => {
      let n = dir > 0 ? card.nextElementSibling : card.previousElementSibling;
      while (n && !n.classList.contains("card")) n = dir > 0 ? n.nextElementSibling : n.previousElementSibling;
      return n;
    };
    // The stage_order the server should give `card` now placed in `list`: computed from the
    // neighbours' stored positions, so it is right with a search filter or a partial column.
    function orderAt(card, list) {
      const same = card.dataset.stageId === list.dataset.stageId;
      const own = Number(card.dataset.stageOrder);
      const next = neighbour(card, 1);
      if (next) {
        const n = Number(next.dataset.stageOrder);
        return same && own < n ? n - 1 : n;
      }
      const prev = neighbour(card, -1);
      if (prev) {
        const p = Number(prev.dataset.stageOrder);
        return same && own < p ? p : p + 1;
      }
      return 0;
    }

    // Native HTML5 drag-and-drop.
    let drag = null;
    const listAt = (target) => {
      const list = target.closest && target.closest(".cards");
      if (list) return list;
      const col = target.closest && target.closest(".column");
      return col ? $(".cards", col) : null;
    };
    const cardAfter = (list, y) => cardsOf(list)
      .filter((c) => c !== drag.card)
      .find((c) => {
        const r = c.getBoundingClientRect();
        return y < r.top + r.height / 2;
      });
    const clearTargets = () => $$(".cards.drop-target", board).forEach((l) => l.classList.remove("drop-target"));

    board.addEventListener("dragstart", (e) => {
      const card = e.target.closest && e.target.closest(".card");
      if (!card) return;
      drag = { card, from: card.parentElement, next: card.nextElementSibling, dropped: false };
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.dataset.dealId);
    });
    board.addEventListener("dragover", (e) => {
      if (!drag) return;
      const list = listAt(e.target);
      if (!list) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      clearTargets();
      list.classList.add("drop-target");
      const after = cardAfter(list, e.clientY);
      if (!after) {
        if (drag.card.parentElement !== list || neighbour(drag.card, 1)) list.appendChild(drag.card);
      } else if (after !== drag.card && neighbour(drag.card, 1) !== after) {
        list.insertBefore(drag.card, after);
      }
    });
    board.addEventListener("drop", (e) => {
      if (!drag) return;
      e.preventDefault();
      const d = drag;
      d.dropped = true;
      clearTargets();
      d.card.classList.remove("dragging");
      const list = d.card.parentElement;
      if (list === d.from && d.card.nextElementSibling === d.next) return;
      const rollback = () => {
        if (d.next && d.next.parentElement === d.from) d.from.insertBefore(d.card, d.next);
        else d.from.appendChild(d.card);
      };
      moveDeal(d.card, list.dataset.stageId, orderAt(d.card, list), rollback);
    });
    board.addEventListener("dragend", () => {
      if (!drag) return;
      const d = drag;
      drag = null;
      clearTargets();
      d.card.classList.remove("dragging");
      if (!d.dropped) {
        if (d.next && d.next.parentElement === d.from) d.from.insertBefore(d.card, d.next);
        else d.from.appendChild(d.card);
      }
    });

    // Keyboard equivalent: the "Move to…" menu of each card.
    let menu = null;
    function closeMenu(returnFocus) {
      if (!menu) return;
      const { el, button } = menu;
      el.remove();
      button.setAttribute("aria-expanded", "false");
      menu = null;
      if (returnFocus) button.focus();
    }
    document.addEventListener("mousedown", (e) => {
      if (menu && !menu.el.contains(e.target) && e.target !== menu.button) closeMenu(false);
    });

    function openMoveMenu(button) {
      if (menu && menu.button === button) {
        closeMenu(true);
        return;
      }
      closeMenu(false);
      const card = button.closest(".card");
      const list = card.parentElement;
      const el = document.createElement("div");
      el.className = "popup-menu";
      el.setAttribute("role", "menu");
      el.setAttribute("aria-label", "Move " + card.dataset.dealName);
      el.dataset.testid = "move-menu";
      const add = (label, action) => {
        const item = document.createElement("button");
        item.type = "button";
        item.setAttribute("role", "menuitem");
        item.tabIndex = -1;
        item.textContent = label;
        item.addEventListener("click", () => {
          closeMenu(false);
          action();
        });
        el.append(item);
      };
      const prev = neighbour(card, -1);
      const next = neighbour(card, 1);
      if (prev) add("Move up", () => moveDeal(card, list.dataset.stageId, Number(prev.dataset.stageOrder)));
      if (next) add("Move down", () => moveDeal(card, list.dataset.stageId, Number(next.dataset.stageOrder)));
      const heading = document.createElement("div");
      heading.className = "menu-heading";
      heading.textContent = "Move to stage";
      heading.setAttribute("role", "presentation");
      el.append(heading);
      $$(".column", board).forEach((col) => {
        if (col.dataset.stageId === card.dataset.stageId) return;
        add(col.dataset.stageName, () => moveDeal(card, col.dataset.stageId, null));
      });
      document.body.append(el);
      const r = button.getBoundingClientRect();
      const top = Math.min(r.bottom + 4, window.innerHeight - el.offsetHeight - 8);
      const left = Math.min(Math.max(8, r.left), window.innerWidth - el.offsetWidth - 8);
      el.style.top = Math.max(8, top) + "px";
      el.style.left = left + "px";
      button.setAttribute("aria-expanded", "true");
      menu = { el, button };
      const items = $$("[role=menuitem]", el);
      if (items[0]) items[0].focus();
      el.addEventListener("keydown", (e) => {
        const i = items.indexOf(document.activeElement);
        if (e.key === "ArrowDown") {
          e.preventDefault();
          items[(i + 1) % items.length].focus();
        } else if (e.key === "ArrowUp") {
          e.preventDefault();
          items[(i - 1 + items.length) % items.length].focus();
        } else if (e.key === "Home") {
          e.preventDefault();
          items[0].focus();
        } else if (e.key === "End") {
          e.preventDefault();
          items[items.length - 1].focus();
        } else if (e.key === "Escape" || e.key === "Tab") {
          e.preventDefault();
          closeMenu(true);
        }
      });
    }
  }

  // ---- CSV import: upload with a progress bar, then the report in place ------------------------
  function describeImport(report) {
    const parts = [
      report.created + " created",
      report.updated + " updated",
      report.skipped + " skipped",
      report.failed + " failed",
    ];
    return (report.dry_run ? "Preview: " : "Imported: ") + parts.join(", ");
  }

  function showImportResult(box, report) {
    box.textContent = "";
    const summary = document.createElement("p");
    summary.textContent = describeImport(report);
    summary.dataset.testid = "import-summary";
    box.appendChild(summary);
    if (report.ignored_columns && report.ignored_columns.length) {
      const ignored = document.createElement("p");
      ignored.className = "muted small";
      ignored.textContent = "Ignored columns: " + report.ignored_columns.join(", ");
      box.appendChild(ignored);
    }
    const list = document.createElement("ul");
    list.className = "import-errors";
    (report.errors || []).slice(0, 100).forEach((err) => {
      const item = document.createElement("li");
      const problems = Object.entries(err.fields || {}).map(([field, messages]) => field + ": " + messages.join("; "));
      item.textContent = "Line " + err.line + " — " + problems.join(" · ");
      list.appendChild(item);
    });
    if (list.children.length) box.appendChild(list);
  }

  $$("[data-import-form]").forEach((form) => {
    const progressBox = $("[data-import-progress]", form);
    const bar = $("progress", form);
    const status = $("[data-import-status]", form);
    const result = $("[data-import-result]", form);
    const submit = $("button[type=submit]", form);
    form.addEventListener("submit", (e) => {
      const file = form.elements.file && form.elements.file.files[0];
      if (!file) return;
      e.preventDefault();
      const query = "?on_duplicate=" + enc(form.elements.on_duplicate.value) +
        (form.elements.dry_run.checked ? "&dry_run=true" : "");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/crm/contacts/import" + query);
      xhr.setRequestHeader("Content-Type", "text/csv");
      xhr.setRequestHeader("Accept", "application/json");
      progressBox.hidden = false;
      bar.classList.remove("progress-done");
      bar.value = 0;
      status.textContent = "Uploading…";
      result.textContent = "";
      submit.disabled = true;
      xhr.upload.addEventListener("progress", (ev) => {
        if (!ev.lengthComputable) return;
        const pct = Math.round((ev.loaded / ev.total) * 100);
        bar.value = pct;
        status.textContent = "Uploading… " + pct + "%";
      });
      xhr.upload.addEventListener("load", () => {
        bar.removeAttribute("value");
        status.textContent = "Checking and saving the rows…";
      });
      xhr.addEventListener("loadend", () => {
        submit.disabled = false;
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (_) {
          body = null;
        }
        if (xhr.status === 200 && body) {
          bar.value = 100;
          bar.classList.add("progress-done");
          status.textContent = "Done";
          showImportResult(result, body);
          toast(describeImport(body), body.failed ? "error" : "success");
        } else {
          bar.value = 0;
          const message = (body && body.error && body.error.message) || "The import failed (" + xhr.status + ")";
          status.textContent = message;
          toast(message, "error");
        }
      });
      xhr.send(file);
    });
  });
})();
