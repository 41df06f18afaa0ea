// Shared by every page: API key login, language toggle (Chinese first), fetch with the key, SSE with reconnect,
// small SVG bar charts and the evidence detail dialog.
"use strict";
const I18N = {
  zh: { brand: "渠道副驾", apiKey: "API 密钥", login: "登录", close: "关闭", customer: "客户", suggestions: "建议",
        waiting: "等待客户消息…", accept: "采纳", edit: "编辑", reject: "拒绝", finalText: "最终回复", reason: "原因",
        send: "提交", callId: "通话 ID", watch: "接入", transcript: "实时转写", knowledge: "知识与下一步",
        wrapup: "通话小结", summary: "小结", disposition: "处置代码", followUps: "跟进事项", save: "确认小结",
        ledger: "账本", kb: "知识库", evals: "评测", playbooks: "剧本", verify: "校验", filter: "筛选", kind: "类型",
        conversation: "会话", intent: "意图", decision: "决定", title: "标题", version: "版本", status: "状态",
        effective: "生效", chunks: "条款块", suite: "套件", metrics: "指标", report: "报告",
        welcome: "欢迎使用渠道副驾", sidebarLink: "销售侧边栏（企业微信聊天工具栏）", deskLink: "坐席来电工作台",
        adminLink: "管理与评测控制台", online: "已连接", offline: "重连中…", stale: "该建议已在别处处理",
        accepted: "已采纳", edited: "已编辑", rejected: "已拒绝", copied: "已复制到剪贴板", inserted: "已插入聊天",
        extractive: "摘录草稿（未经大模型改写）", fallback: "大模型超时，已改用摘录草稿", llm: "大模型草稿",
        clause: "条款", fact: "客户事实", signal: "信号", rule: "规则", verdict: "护栏结论", perception: "感知",
        ok: "完整", broken: "被篡改", compare: "对比", decided: "已在别处处理" },
  en: { brand: "Channel Copilot", apiKey: "API key", login: "Log in", close: "Close", customer: "Customer",
        suggestions: "Suggestions", waiting: "Waiting for the customer…", accept: "Accept", edit: "Edit",
        reject: "Reject", finalText: "Final reply", reason: "Reason", send: "Submit", callId: "Call ID", watch: "Watch",
        transcript: "Live transcript", knowledge: "Knowledge & next steps", wrapup: "Wrap-up", summary: "Summary",
        disposition: "Disposition", followUps: "Follow-ups", save: "Confirm wrap-up", ledger: "Ledger",
        kb: "Knowledge base", evals: "Evals", playbooks: "Playbooks", verify: "Verify", filter: "Filter", kind: "Kind",
        conversation: "Conversation", intent: "Intent", decision: "Decision", title: "Title", version: "Version",
        status: "Status", effective: "Effective", chunks: "Chunks", suite: "Suite", metrics: "Metrics",
        report: "Report", welcome: "Welcome to Channel Copilot", sidebarLink: "Rep sidebar (WeCom chat toolbar)",
        deskLink: "Agent call desktop", adminLink: "Admin & evaluation console", online: "connected",
        offline: "reconnecting…", stale: "Already decided elsewhere", accepted: "Accepted", edited: "Edited",
        rejected: "Rejected", copied: "Copied to clipboard", inserted: "Inserted into the chat",
        extractive: "Extractive draft (not rewritten by the LLM)", fallback: "LLM timed out: extractive draft",
        llm: "LLM draft", clause: "Clause", fact: "Customer fact", signal: "Signal", rule: "Rule",
        verdict: "Guardrail verdict", perception: "Perception", ok: "intact", broken: "tampered", compare: "Compare", decided: "decided elsewhere" },
};
const App = {
  lang: localStorage.getItem("copilot.lang") || "zh",
  // A ?key= link may log a fresh browser in, but never replaces a key already stored here (a link from someone else
  // would otherwise switch the rep into that key's identity). The key is then removed from the address bar.
  key: localStorage.getItem("copilot.key") || new URLSearchParams(location.search).get("key") || "",
  t(k) { return (I18N[this.lang] || I18N.zh)[k] || k; },
  applyI18n() {
    document.documentElement.lang = this.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = this.t(el.dataset.i18n); });
    document.getElementById("lang").textContent = this.lang === "zh" ? "EN" : "中文";
  },
  async api(path, opts = {}) {
    const headers = Object.assign({ "X-API-Key": this.key }, opts.body ? { "Content-Type": "application/json" } : {});
    const r = await fetch(path, Object.assign({}, opts, { headers }));
    const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
    if (!r.ok) { const e = new Error((body && body.message) || r.statusText); e.status = r.status; e.body = body; throw e; }
    return body;
  },
  // EventSource cannot send headers and an API key in a URL lands in logs, so each connection first asks for a
  // short-lived stream token (POST /v1/stream/token, ~60 s). EventSource retries by itself; once the token has
  // expired its retry is refused and the source closes, so we fetch a fresh token and open a new one. On every
  // (re)open onOpen lets the page catch up by id.
  stream(topic, handlers, onOpen) {
    const conn = document.getElementById("conn");
    const offline = () => { conn.textContent = this.t("offline"); conn.className = "pill warn"; };
    const handle = { es: null, closed: false, close() { this.closed = true; this.es && this.es.close(); } };
    const connect = async () => {
      if (handle.closed) return;
      let token;
      try { token = (await this.api("/v1/stream/token", { method: "POST" })).token; }
      catch (e) { offline(); if (e.status !== 401 && e.status !== 403) setTimeout(connect, 3000); return; }
      const es = new EventSource(`/v1/stream?token=${encodeURIComponent(token)}${topic ? "&topic=" + encodeURIComponent(topic) : ""}`);
      if (handle.closed) { es.close(); return; }
      this.es = handle.es = es;  // kept so a page (or a test) can close it
      es.onopen = () => { conn.textContent = this.t("online"); conn.className = "pill ok"; onOpen && onOpen(); };
      es.onerror = () => { offline(); if (es.readyState === EventSource.CLOSED && handle.es === es) setTimeout(connect, 1000); };
      for (const [name, fn] of Object.entries(handlers)) es.addEventListener(name, ev => fn(JSON.parse(ev.data)));
    };
    connect();
    return handle;  // handle.close() ends the stream for good (e.g. the desk switching calls)
  },
  bars(figure, rows, { max } = {}) {  // rows: [[label, value, note]] → a horizontal SVG bar chart
    const m = max || Math.max(1, ...rows.map(r => r[1]));
    const h = 18 * rows.length + 4;
    const parts = rows.map(([label, v, note], i) =>
      `<text x="0" y="${18 * i + 13}">${esc(label)}</text>` +
      `<rect x="90" y="${18 * i + 3}" width="${Math.max(1, 160 * v / m)}" height="12" fill="#07c160" rx="2"></rect>` +
      `<text x="${96 + 160 * v / m}" y="${18 * i + 13}">${esc(note ?? v)}</text>`);
    figure.innerHTML = `<svg viewBox="0 0 330 ${h}" width="100%" role="img">${parts.join("")}</svg>`;
  },
  showEvidence(ev) {
    const d = document.getElementById("detail");
    const kindKey = { policy_clause: "clause", customer_fact: "fact", signal: "signal", rule: "rule",
                      guardrail_verdict: "verdict", perception: "perception" }[ev.kind] || ev.kind;
    document.getElementById("detail-title").textContent =
      `${this.t(kindKey)}: ${ev.title || ""}${ev.version ? " · v" + ev.version : ""}`;
    const src = Object.entries(ev.source_ids || {}).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
    const lineage = ev.lineage && Object.keys(ev.lineage).length ? `<pre>${esc(JSON.stringify(ev.lineage, null, 2))}</pre>` : "";
    document.getElementById("detail-body").innerHTML =
      `<pre class="clause-text">${esc(ev.content)}</pre><table>${src}</table><p class="muted">${esc(ev.content_hash)}</p>${lineage}`;
    d.showModal();
  },
  init(start) {
    document.getElementById("lang").onclick = () => {
      this.lang = this.lang === "zh" ? "en" : "zh"; localStorage.setItem("copilot.lang", this.lang); this.applyI18n();
    };
    this.applyI18n();
    const login = document.getElementById("login");
    login.onsubmit = e => { e.preventDefault(); this.key = document.getElementById("key").value.trim();
                            localStorage.setItem("copilot.key", this.key); login.hidden = true; start(); };
    const params = new URLSearchParams(location.search);
    if (params.has("key")) {  // keep the key out of history, bookmarks and screenshots
      params.delete("key");
      history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : "") + location.hash);
    }
    if (!this.key) { login.hidden = false; return; }
    localStorage.setItem("copilot.key", this.key);
    start();
  },
};
function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
