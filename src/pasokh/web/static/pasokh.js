// Pasokh agent desk: small hand-written behaviour on server-rendered pages.
// Customer text only ever reaches the DOM as server-escaped HTML or through .value /
// .textContent; nothing here builds HTML from strings.
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  // ---- forms that call the JSON API (data-api, data-method) ----
  function formJson(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var value = el.value;
      if (el.hasAttribute("data-int")) {
        body[el.name] = value === "" ? null : parseInt(value, 10);
      } else if (el.hasAttribute("data-local-time")) {
        body[el.name] = value ? new Date(value).toISOString() : null;
      } else {
        body[el.name] = value;
      }
    });
    return body;
  }

  function showError(form, text) {
    var box = form.querySelector(".error");
    if (!box) { window.alert(text); return; }
    box.textContent = text;
    box.hidden = !text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-api")) return;
    event.preventDefault();
    var submitter = event.submitter;
    var url = (submitter && submitter.getAttribute("data-api")) || form.getAttribute("data-api");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    showError(form, "");
    var method = (submitter && submitter.getAttribute("data-method-override")) ||
                 form.getAttribute("data-method") || "POST";
    fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf,
                 "Accept": "application/json" },
      body: method === "DELETE" ? undefined : JSON.stringify(formJson(form))
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.detail || ("HTTP " + response.status));
        return data;
      });
    }).then(function (data) {
      if (form.hasAttribute("data-goto") && data && data.id) {
        window.location.assign(form.getAttribute("data-goto") + data.id);
        return null;
      }
      if (form.hasAttribute("data-reload")) { window.location.reload(); return null; }
      if (form.hasAttribute("data-reset")) form.reset();
      return refresh(true);
    }).catch(function (err) {
      showError(form, err.message);
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });

  // ---- template picker: fill the reply box, filter by name ----
  var picker = document.getElementById("template");
  var replyBox = document.getElementById("reply-text");
  if (picker && replyBox) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (option && option.value) {
        replyBox.value = option.getAttribute("data-text");
        replyBox.focus();
      }
    });
  }
  var templateSearch = document.getElementById("template-search");
  if (templateSearch && picker) {
    templateSearch.addEventListener("input", function () {
      var needle = fold(templateSearch.value);
      Array.prototype.forEach.call(picker.options, function (option) {
        if (!option.value) return;
        option.hidden = needle !== "" && fold(option.getAttribute("data-name")).indexOf(needle) < 0;
      });
    });
  }
  function fold(text) {
    return (text || "").toLowerCase().replace(/[يى]/g, "ی").replace(/ك/g, "ک")
      .replace(/[\u200c\u200d\u0640]/g, "");
  }

  // ---- live updates: re-read the page's live regions when the workspace changes ----
  var pending = null;
  function refresh(now) {
    if (pending) { clearTimeout(pending); pending = null; }
    if (!now) {
      pending = setTimeout(function () { refresh(true); }, 250);
      return Promise.resolve();
    }
    return fetch(window.location.href, { credentials: "same-origin",
                                         headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        // The server rendered (and escaped) this HTML; swap whole regions by id.
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (next) region.replaceWith(document.importNode(next, true));
        });
        document.dispatchEvent(new CustomEvent("pasokh:refreshed"));
      });
  }
  window.pasokhRefresh = refresh;

  var dot = document.getElementById("live-dot");
  if (window.EventSource && document.querySelector("[data-live-region]")) {
    var holder = document.querySelector("[data-conversation]");
    var viewing = holder ? holder.getAttribute("data-conversation") : null;
    var source = new EventSource("/live/events" + (viewing ? "?conversation=" + viewing : ""));
    var opened = false;
    source.addEventListener("open", function () {
      if (dot) dot.classList.add("on");
      document.documentElement.setAttribute("data-live", "on");
      // Anything published while the stream was (re)connecting: catch up once.
      if (opened) refresh(false);
      opened = true;
    });
    source.addEventListener("error", function () {
      if (dot) dot.classList.remove("on");
      document.documentElement.setAttribute("data-live", "off");
    });
    ["message.created", "conversation.updated"].forEach(function (kind) {
      source.addEventListener(kind, function () { refresh(false); });
    });
    // A colleague mentioned me in a note: say where, with a link.
    source.addEventListener("mention", function (event) {
      var data = JSON.parse(event.data);
      var me = document.body.getAttribute("data-me");
      var box = document.getElementById("mentions");
      if (!box || data.user_ids.map(String).indexOf(me) < 0) return;
      var link = document.createElement("a");
      link.href = "/conversations/" + encodeURIComponent(data.conversation_id);
      link.textContent = box.getAttribute("data-label") + " #" + data.conversation_id +
        " (" + data.by + ")";
      box.appendChild(link);
      box.hidden = false;
    });
    // Collision warning: someone else has this conversation open.
    source.addEventListener("presence", function (event) {
      var data = JSON.parse(event.data);
      if (!viewing || String(data.conversation_id) !== viewing) return;
      var me = holder.getAttribute("data-me");
      var others = data.viewers.filter(function (v) { return String(v.user_id) !== me; });
      var banner = document.getElementById("collision");
      if (!banner) return;
      banner.querySelector(".names").textContent = others.map(function (v) {
        return v.name;
      }).join("، ");
      banner.hidden = others.length === 0;
    });
  }

  // ---- keyboard shortcuts (never while typing) ----
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" ||
                  el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "r" && replyBox) { event.preventDefault(); replyBox.focus(); }
    else if (key === "n" && replyBox) {
      event.preventDefault(); replyBox.focus();
      replyBox.setAttribute("data-note", "1");
    } else if (key === "e") {
      var resolve = document.getElementById("resolve");
      if (resolve) { event.preventDefault(); resolve.click(); }
    } else if (key === "/") {
      var search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (key === "j" || key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll("#inbox td.customer a"));
      if (!links.length) return;
      var at = links.indexOf(document.activeElement);
      var next = key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      event.preventDefault();
      links[next].focus();
    }
  });
  // Ctrl+Enter sends the reply (or the note after "n").
  if (replyBox) {
    replyBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        var id = replyBox.getAttribute("data-note") ? "add-note" : "send-reply";
        replyBox.removeAttribute("data-note");
        document.getElementById(id).click();
      }
    });
  }
})();
