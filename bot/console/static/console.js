// Hotline staff console: search procedures, show a card, copy the answer,
// look up a dossier, read the citizens' questions report.
// Every text from the server goes through textContent, never innerHTML.
(function () {
  "use strict";

  var SEARCH_DELAY_MS = 150;
  var RECENT_KEY = "console.recent.v1";
  var RECENT_MAX = 8;
  var TEXT = {
    searching: "Đang tìm…",
    noResults: "Không tìm thấy thủ tục phù hợp. Thử từ khóa khác.",
    results: function (n) { return n + " kết quả"; },
    loading: "Đang tải…",
    offline: "Không kết nối được máy chủ. Vui lòng thử lại.",
    copied: "Đã sao chép",
    copyFailed: "Không sao chép được. Hãy chọn và sao chép thủ công.",
    noInfo: "Cổng Dịch vụ công chưa có thông tin.",
    form: "Mẫu: ",
    copies: "Số lượng: ",
    agency: "Cơ quan thực hiện",
    address: "Địa chỉ tiếp nhận",
    competent: "Cơ quan có thẩm quyền",
    levels: "Cấp thực hiện",
    source: "Nguồn: ",
    collected: "thu thập ",
    onDay: "ngày ",
    imported: "nhập vào danh mục ngày ",
    code: "Mã thủ tục ",
    dossierLooking: "Đang tra cứu…",
    dossierStatus: "Tình trạng",
    overdue: "Quá hạn",
    overdueDays: function (n) { return "Quá hạn " + n + " ngày"; },
    note: "Ghi chú",
    procedure: "Thủ tục",
    receivedAt: "Ngày tiếp nhận",
    dueAt: "Ngày hẹn trả",
    finishedAt: "Ngày xử lý xong",
    missing: "Giấy tờ cần bổ sung",
    feeDue: "Nghĩa vụ tài chính",
    owner: "Người nộp (đã xác minh)",
    notVerified: "Chưa xác minh người nộp: thông tin cá nhân không được hiển thị.",
    satisfactionNone: "chưa có",
    reportLoading: "Đang tải số liệu…",
    reportEmpty: "Chưa có dữ liệu trong khoảng thời gian này.",
    updated: "Cập nhật lúc "
  };
  var OWNER_LABELS = {
    name: "Họ tên", full_name: "Họ tên", phone: "Điện thoại", phone_masked: "Điện thoại",
    address: "Địa chỉ", email: "Thư điện tử", id_number: "Số định danh"
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        if (key === "text") { node.textContent = props[key]; }
        else if (key === "className") { node.className = props[key]; }
        else if (key.indexOf("data-") === 0 || key.indexOf("aria-") === 0) {
          node.setAttribute(key, props[key]);
        } else { node[key] = props[key]; }
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function formatDate(value) {
    if (!value) { return ""; }
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(String(value));
    if (!m) { return String(value); }
    var day = m[3] + "/" + m[2] + "/" + m[1];
    return m[4] && !(m[4] === "00" && m[5] === "00") ? m[4] + ":" + m[5] + " " + day : day;
  }

  async function api(path, signal) {
    var response = await fetch(path, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: signal
    });
    if (response.status === 401) {
      window.location.assign("/login");
      throw new Error("unauthorized");
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data: data || {} };
  }

  // ---- tabs --------------------------------------------------------------------
  var tabs = [$("tab-lookup"), $("tab-report")];
  var reportLoaded = false;

  function selectTab(tab, focus) {
    tabs.forEach(function (t) {
      var selected = t === tab;
      t.setAttribute("aria-selected", selected ? "true" : "false");
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) { tab.focus(); }
    if (tab.id === "tab-report" && !reportLoaded) { loadReport(); }
  }

  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { selectTab(tab, false); });
    tab.addEventListener("keydown", function (event) {
      var next = null;
      if (event.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
      if (event.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
      if (event.key === "Home") { next = tabs[0]; }
      if (event.key === "End") { next = tabs[tabs.length - 1]; }
      if (next) { event.preventDefault(); selectTab(next, true); }
    });
  });

  // ---- search ----------------------------------------------------------------
  var input = $("search-input");
  var resultsList = $("results");
  var searchStatus = $("search-status");
  var searchTimer = null;
  var searchController = null;
  var searchSeq = 0;

  function resultItem(item) {
    var title = item.short_name || item.name;
    var details = [item.code];
    if (item.short_name && item.short_name !== item.name) { details.push(item.name); }
    if (item.agency) { details.push(item.agency); }
    var button = el("button", { type: "button", className: "result", "data-code": item.code }, [
      el("span", { className: "result-name", text: title }),
      el("span", { className: "result-detail", text: details.join(" · ") })
    ]);
    return el("li", null, [button]);
  }

  function renderResults(items) {
    clear(resultsList);
    items.forEach(function (item) { resultsList.appendChild(resultItem(item)); });
  }

  function showRecentIfIdle() {
    $("recent").hidden = input.value.trim() !== "";
  }

  async function runSearch(query) {
    var seq = ++searchSeq;
    if (searchController) { searchController.abort(); }
    if (!query) {
      renderResults([]);
      searchStatus.textContent = "";
      showRecentIfIdle();
      return;
    }
    searchController = new AbortController();
    searchStatus.textContent = TEXT.searching;
    try {
      var res = await api("/api/search?top=10&q=" + encodeURIComponent(query),
        searchController.signal);
      if (seq !== searchSeq) { return; }
      if (!res.ok) { searchStatus.textContent = res.data.message || TEXT.offline; return; }
      var items = res.data.results || [];
      renderResults(items);
      searchStatus.textContent = items.length ? TEXT.results(items.length) : TEXT.noResults;
    } catch (error) {
      if (error.name === "AbortError" || seq !== searchSeq) { return; }
      searchStatus.textContent = TEXT.offline;
    }
    showRecentIfIdle();
  }

  input.addEventListener("input", function () {
    clearTimeout(searchTimer);
    var query = input.value.trim();
    showRecentIfIdle();
    searchTimer = setTimeout(function () { runSearch(query); }, SEARCH_DELAY_MS);
  });

  $("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(searchTimer);
    var first = resultsList.querySelector("button.result");
    if (first) { first.click(); } else { runSearch(input.value.trim()); }
  });

  function firstVisibleResult() {
    var first = resultsList.querySelector("button.result");
    if (!first && !$("recent").hidden) { first = $("recent-list").querySelector("button.result"); }
    return first;
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      var first = firstVisibleResult();
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.key === "Escape" && input.value && !cardOpen()) {
      event.preventDefault();
      input.value = "";
      runSearch("");
    }
  });

  function listKeys(list) {
    list.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(list.querySelectorAll("button.result"));
      var i = buttons.indexOf(document.activeElement);
      if (i < 0) { return; }
      var target = null;
      if (event.key === "ArrowDown") { target = buttons[Math.min(i + 1, buttons.length - 1)]; }
      if (event.key === "ArrowUp") { target = i === 0 ? input : buttons[i - 1]; }
      if (event.key === "Home") { target = buttons[0]; }
      if (event.key === "End") { target = buttons[buttons.length - 1]; }
      if (target) { event.preventDefault(); target.focus(); }
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button.result");
      if (button) { openProcedure(button.getAttribute("data-code"), button); }
    });
  }
  listKeys(resultsList);
  listKeys($("recent-list"));

  // ---- recently viewed ------------------------------------------------------------
  function loadRecent() {
    try {
      var items = JSON.parse(window.localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (x) { return x && x.code; }) : [];
    } catch (e) { return []; }
  }

  function renderRecent() {
    var items = loadRecent();
    var list = $("recent-list");
    clear(list);
    items.forEach(function (item) { list.appendChild(resultItem(item)); });
    $("recent-empty").hidden = items.length > 0;
  }

  function rememberRecent(proc) {
    var items = loadRecent().filter(function (x) { return x.code !== proc.code; });
    items.unshift({ code: proc.code, name: proc.name, short_name: proc.short_name || "" });
    try {
      window.localStorage.setItem(RECENT_KEY, JSON.stringify(items.slice(0, RECENT_MAX)));
    } catch (e) { /* storage full or disabled: recent list is a convenience */ }
    renderRecent();
  }

  // ---- procedure card ------------------------------------------------------------
  var card = $("card");
  var answerText = "";
  var opener = null;

  function cardOpen() { return !card.hidden; }

  function fact(list, label, value) {
    if (!value) { return; }
    list.appendChild(el("dt", { text: label }));
    list.appendChild(typeof value === "string" ? el("dd", { text: value }) : el("dd", null, [value]));
  }

  function renderDocuments(docs) {
    var box = $("card-documents");
    clear(box);
    if (!docs || !docs.length) { box.appendChild(el("p", { className: "hint", text: TEXT.noInfo })); return; }
    var groups = [];
    var byGroup = {};
    docs.forEach(function (doc) {
      var g = doc.group || "";
      if (!(g in byGroup)) { byGroup[g] = []; groups.push(g); }
      byGroup[g].push(doc);
    });
    groups.forEach(function (g) {
      if (g) { box.appendChild(el("h4", { text: g })); }
      var list = el("ol", { className: "documents" });
      byGroup[g].forEach(function (doc) {
        var extra = [];
        if (doc.form) { extra.push(TEXT.form + doc.form); }
        if (doc.copies) { extra.push(TEXT.copies + doc.copies); }
        list.appendChild(el("li", null, [
          el("span", { text: doc.name }),
          extra.length ? el("span", { className: "doc-extra", text: extra.join(" · ") }) : null
        ]));
      });
      box.appendChild(list);
    });
  }

  function renderChannels(channels) {
    var body = $("card-channels").querySelector("tbody");
    clear(body);
    if (!channels || !channels.length) {
      body.appendChild(el("tr", null, [el("td", { colSpan: 3, text: TEXT.noInfo })]));
      return;
    }
    channels.forEach(function (c) {
      body.appendChild(el("tr", null, [
        el("th", { scope: "row", text: c.label || c.kind || "" }),
        el("td", { text: c.time_text || TEXT.noInfo }),
        el("td", { text: c.fee_text || TEXT.noInfo })
      ]));
    });
  }

  function describeSource(proc) {
    var src = proc.source || {};
    var collected = proc.collected || {};
    var name = typeof src === "string" ? src : (src.name || src.title || "");
    var url = typeof src === "object" ? (src.url || "") : "";
    var when = typeof collected === "string" ? collected
      : (collected.collected_vi || collected.date || collected.collected || "");
    var parts = [el("span", { text: TEXT.source })];
    if (url && /^https?:\/\//.test(url)) {
      parts.push(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name || url }));
    } else {
      parts.push(el("span", { text: name || TEXT.noInfo }));
    }
    if (when) {
      var isDate = /^\d{4}-\d{2}-\d{2}/.test(when);
      parts.push(el("span", { text: " — " + TEXT.collected + (isDate ? TEXT.onDay : "") + formatDate(when) }));
    }
    if (collected.imported) {
      parts.push(el("span", { text: " · " + TEXT.imported + formatDate(collected.imported) }));
    }
    return parts;
  }

  function renderCard(proc) {
    $("card-title").textContent = proc.short_name || proc.name;
    var meta = [TEXT.code + proc.code];
    if (proc.short_name && proc.short_name !== proc.name) { meta.push(proc.name); }
    $("card-meta").textContent = meta.join(" · ");
    var link = $("card-link");
    if (proc.url && /^https?:\/\//.test(proc.url)) { link.href = proc.url; link.hidden = false; }
    else { link.removeAttribute("href"); link.hidden = true; }
    renderDocuments(proc.documents);
    renderChannels(proc.channels);
    var where = $("card-where");
    clear(where);
    fact(where, TEXT.agency, proc.agency);
    fact(where, TEXT.address, proc.address);
    fact(where, TEXT.competent, proc.competent_authority);
    fact(where, TEXT.levels, (proc.levels || []).join(", "));
    if (!where.firstChild) { where.appendChild(el("dd", { text: TEXT.noInfo })); }
    var legal = $("card-legal");
    clear(legal);
    (proc.legal_basis || []).forEach(function (doc) {
      legal.appendChild(el("li", { text: doc.number ? doc.name + " (" + doc.number + ")" : doc.name }));
    });
    if (!legal.firstChild) { legal.appendChild(el("li", { className: "hint", text: TEXT.noInfo })); }
    var source = $("card-source");
    clear(source);
    describeSource(proc).forEach(function (node) { source.appendChild(node); });
    $("copy-status").textContent = "";
  }

  async function openProcedure(code, from) {
    if (!code) { return; }
    opener = from || null;
    selectTab($("tab-lookup"), false);
    searchStatus.textContent = TEXT.loading;
    var res;
    try { res = await api("/api/procedure/" + encodeURIComponent(code)); }
    catch (e) { searchStatus.textContent = TEXT.offline; return; }
    if (!res.ok) { searchStatus.textContent = res.data.message || TEXT.offline; return; }
    searchStatus.textContent = "";
    answerText = res.data.answer_text || "";
    renderCard(res.data.procedure);
    card.hidden = false;
    $("card-placeholder").hidden = true;
    $("card-title").focus();
    rememberRecent(res.data.procedure);
  }

  function closeCard() {
    card.hidden = true;
    $("card-placeholder").hidden = false;
    var back = opener && document.body.contains(opener) ? opener : input;
    back.focus();
  }

  $("card-back").addEventListener("click", closeCard);

  function copyWithTextarea(text) {
    var area = el("textarea", { value: text, readOnly: true, className: "offscreen", id: "copy-buffer" });
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  $("copy-answer").addEventListener("click", async function () {
    var status = $("copy-status");
    var ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(answerText); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) { ok = copyWithTextarea(answerText); }
    status.textContent = ok ? TEXT.copied : TEXT.copyFailed;
    status.className = ok ? "status ok" : "status error";
  });

  // ---- keyboard shortcuts -----------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      selectTab($("tab-lookup"), false);
      input.focus();
      input.select();
    } else if (event.key === "Escape" && cardOpen() && !(typing && target !== input)) {
      event.preventDefault();
      closeCard();
    }
  });

  // ---- dossier lookup ---------------------------------------------------------------
  function dossierFacts(d) {
    var list = el("dl", { className: "facts" });
    fact(list, TEXT.procedure, d.procedure_name || d.procedure_code);
    fact(list, TEXT.agency, d.agency);
    fact(list, TEXT.receivedAt, formatDate(d.received_at));
    fact(list, TEXT.dueAt, formatDate(d.due_at));
    fact(list, TEXT.finishedAt, formatDate(d.finished_at));
    if (d.missing_documents && d.missing_documents.length) {
      fact(list, TEXT.missing, el("ul", { className: "plain" }, d.missing_documents.map(function (doc) {
        return el("li", { text: doc });
      })));
    }
    fact(list, TEXT.feeDue, d.fee_text || d.fee_due || "");
    fact(list, TEXT.note, d.note || "");
    return list;
  }

  function ownerFacts(owner) {
    var list = el("dl", { className: "facts owner" });
    if (typeof owner !== "object") { fact(list, TEXT.owner, String(owner)); return list; }
    Object.keys(owner).forEach(function (key) {
      if (owner[key] !== null && owner[key] !== "") {
        fact(list, OWNER_LABELS[key] || key, String(owner[key]));
      }
    });
    return list;
  }

  function renderDossier(d) {
    var box = $("dossier-result");
    clear(box);
    var head = el("p", { className: "dossier-head" }, [
      el("strong", { text: d.code }), " — ",
      el("span", { className: "badge", text: d.status_label || String(d.status) }),
      d.overdue ? el("span", {
        className: "badge warn",
        text: d.days_overdue ? TEXT.overdueDays(d.days_overdue) : TEXT.overdue
      }) : null
    ]);
    box.appendChild(head);
    box.appendChild(dossierFacts(d));
    if (d.owner) {
      box.appendChild(el("h3", { text: TEXT.owner }));
      box.appendChild(ownerFacts(d.owner));
    } else {
      box.appendChild(el("p", { className: "hint", text: TEXT.notVerified }));
    }
  }

  $("dossier-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var box = $("dossier-result");
    var code = $("dossier-code").value.trim();
    var verifyInput = $("dossier-verify");
    var verify = verifyInput.value.trim();
    verifyInput.value = "";
    clear(box);
    box.appendChild(el("p", { className: "status", text: TEXT.dossierLooking }));
    var query = "/api/dossier?code=" + encodeURIComponent(code);
    if (verify) { query += "&verify=" + encodeURIComponent(verify); }
    var res;
    try { res = await api(query); }
    catch (e) { clear(box); box.appendChild(el("p", { className: "error", text: TEXT.offline })); return; }
    clear(box);
    if (!res.ok || !res.data.dossier) {
      box.appendChild(el("p", {
        className: "error", id: "dossier-error", "data-error": res.data.error || "",
        text: res.data.message || TEXT.offline
      }));
      return;
    }
    renderDossier(res.data.dossier);
  });

  // ---- report ------------------------------------------------------------------------
  async function loadReport() {
    reportLoaded = true;
    var status = $("report-status");
    status.textContent = TEXT.reportLoading;
    var res;
    try { res = await api("/api/report?top=10&days=" + encodeURIComponent($("report-days").value)); }
    catch (e) { status.textContent = TEXT.offline; reportLoaded = false; return; }
    if (!res.ok) { status.textContent = res.data.message || TEXT.offline; reportLoaded = false; return; }
    renderReport(res.data);
    status.textContent = TEXT.updated + new Date().toLocaleTimeString("vi-VN");
  }

  function renderReport(r) {
    var ratings = r.ratings || {};
    $("stat-conversations").textContent = r.conversations !== undefined ? String(r.conversations) : "–";
    $("stat-useful").textContent = String(ratings.useful || 0);
    $("stat-not-useful").textContent = String(ratings.not_useful || 0);
    $("stat-satisfaction").textContent = typeof ratings.satisfaction === "number"
      ? Math.round(ratings.satisfaction * 100) + "%" : TEXT.satisfactionNone;

    var top = $("report-top").querySelector("tbody");
    clear(top);
    (r.top_procedures || []).forEach(function (p, i) {
      var open = el("button", { type: "button", className: "linklike", "data-code": p.code, text: p.name || p.code });
      open.addEventListener("click", function () { openProcedure(p.code, null); });
      top.appendChild(el("tr", null, [
        el("td", { text: String(i + 1) }), el("td", null, [open]),
        el("td", { text: p.code }), el("td", { className: "num", text: String(p.count) })
      ]));
    });
    if (!top.firstChild) { top.appendChild(el("tr", null, [el("td", { colSpan: 4, text: TEXT.reportEmpty })])); }

    var unanswered = $("report-unanswered").querySelector("tbody");
    clear(unanswered);
    (r.unanswered || []).forEach(function (q) {
      unanswered.appendChild(el("tr", null, [
        el("td", { text: q.text }), el("td", { className: "num", text: String(q.count) }),
        el("td", { text: formatDate(q.last_seen) })
      ]));
    });
    if (!unanswered.firstChild) {
      unanswered.appendChild(el("tr", null, [el("td", { colSpan: 3, text: TEXT.reportEmpty })]));
    }
  }

  $("report-refresh").addEventListener("click", loadReport);
  $("report-days").addEventListener("change", loadReport);

  // ---- start --------------------------------------------------------------------------
  renderRecent();
  showRecentIfIdle();
  input.focus();
})();
