// Shared by every page: sign-in with an API key (switch / sign out), language toggle (Chinese first) with the
// tenant's display names, fetch with the key, an honest SSE connection (short-lived token, real state in the pill,
// reconnect + catch-up, sign-in on 401/403), small SVG bar charts and the readable evidence popover.
"use strict";
const I18N = {
  zh: { brand: "渠道副驾", apiKey: "API 密钥", login: "登录", close: "关闭", customer: "客户", suggestions: "建议",
        waiting: "等待客户消息…", accept: "采纳", edit: "编辑", reject: "拒绝", finalText: "最终回复", reason: "原因",
        send: "提交", callId: "通话 ID", watch: "接入", transcript: "实时转写", knowledge: "知识与下一步",
        wrapup: "通话小结", summary: "小结", disposition: "处置代码", followUps: "跟进事项", save: "确认小结",
        ledger: "账本", kb: "知识库", evals: "评测", playbooks: "剧本", tenants: "租户", verify: "校验", filter: "筛选",
        kind: "类型", conversation: "会话", intent: "意图", decision: "决定", title: "标题", version: "版本",
        status: "状态", effective: "生效", expires: "失效", chunks: "条款块", suite: "套件", metrics: "指标",
        report: "报告", welcome: "欢迎使用渠道副驾", sidebarLink: "销售侧边栏（企业微信聊天工具栏）",
        deskLink: "坐席来电工作台", adminLink: "管理与评测控制台", online: "已连接", offline: "已断开，重连中…",
        connecting: "连接中…", signedOut: "未登录", stale: "该建议已在别处处理", accepted: "已采纳", edited: "已修改后发送",
        rejected: "已拒绝", reveal: "显示号码", revealed: "已显示（仅本屏）", expiredValues: "部分号码已过期，未自动发送，请手动填写", copied: "已复制到剪贴板", inserted: "已插入聊天", extractive: "摘录草稿（未经大模型改写）",
        fallback: "大模型超时，已改用模板草稿", llm: "大模型草稿", template: "模板草稿（计算结果锁定）", none: "无草稿",
        clause: "条款", fact: "客户数据", signal: "信号", rule: "规则", verdict: "护栏结论", perception: "感知",
        computed: "计算结果", ok: "完整", broken: "被篡改", compare: "对比", decided: "已在别处处理",
        signOut: "退出", switchKey: "切换密钥", badKey: "密钥无效或无权访问，请重新登录", keyHint: "例如 dev-rep-zhang",
        pending: "待处理", streaming: "生成中…", failed: "失败", staleState: "已在别处处理", summaryCard: "通话小结",
        refusal: "已拒答", repAnswer: "给你的回答", blocked: "已被护栏拦截", abstain: "不确定，未给出建议",
        autopilot: "已自动回复", customerSaid: "客户说", answer: "答案", draft: "回复草稿", nextActions: "下一步",
        why: "为什么", inputs: "输入", output: "结果", debug: "检索调试信息", source: "来源", clauseNo: "条款",
        page: "页", cannotCompute: "无法计算", clauseOnly: "仅引用条款，未计算", noAnswer: "无需计算",
        wrong_intent: "意图错误", wrong_action: "动作错误", wrong_evidence: "依据错误", outdated_policy: "政策过期",
        wrong_customer_data: "客户数据错误", tone: "语气不当", not_needed: "无需回复", compliance: "合规问题",
        other: "其他", corrected: "正确的是（可选）", rejectWhy: "拒绝原因", shortcuts: "快捷键：A 采纳 · E 编辑 · R 拒绝 · J/K 切换",
        ask: "问副驾", askPlaceholder: "例如：帮我查下这个客户最近的订单", askSend: "提问", askAbout: "关于客户",
        by: "由", at: "于", more: "展开", less: "收起", prev: "上一页", next: "下一页", of: "共", actor: "操作人",
        time: "时间", chain: "证据链", noRuns: "还没有评测运行", backtest: "回测", businessUnits: "业务单元",
        fired: "触发", acceptRate: "采纳率", importStatus: "导入状态", documents: "文档", callTimer: "通话时长",
        pause: "停顿", filler: "语气词", lowConfidence: "转写置信度低，请核对", agentSpk: "坐席", customerSpk: "客户",
        input: "客户原话（已脱敏）", crmFields: "客户数据字段", rulesFired: "触发的规则", verdicts: "护栏结论",
        humanDiff: "人工修改", allDecisions: "全部决定", allKinds: "全部类型", apply: "应用", reportOpen: "打开报告",
        approval: "需主管审批", authority: "权限", loading: "加载中…", empty: "暂无", sentToRep: "仅你可见",
        inForce: "现行有效", superseded: "已被替代", expired: "已失效", draftStatus: "草稿", suggestionKind: "建议",
        skip: "跳到内容", allUnits: "全部", decisionKind: "决定", denialKind: "拒绝访问", checkpointKind: "检查点", redactionKind: "脱敏" },
  en: { brand: "Channel Copilot", apiKey: "API key", login: "Sign in", close: "Close", customer: "Customer",
        suggestions: "Suggestions", waiting: "Waiting for the customer…", accept: "Accept", edit: "Edit",
        reject: "Reject", finalText: "Final reply", reason: "Reason", send: "Submit", callId: "Call ID", watch: "Watch",
        transcript: "Live transcript", knowledge: "Knowledge & next steps", wrapup: "Wrap-up", summary: "Summary",
        disposition: "Disposition", followUps: "Follow-ups", save: "Confirm wrap-up", ledger: "Ledger",
        kb: "Knowledge base", evals: "Evals", playbooks: "Playbooks", tenants: "Tenants", verify: "Verify",
        filter: "Filter", kind: "Kind", conversation: "Conversation", intent: "Intent", decision: "Decision",
        title: "Title", version: "Version", status: "Status", effective: "Effective", expires: "Expires",
        chunks: "Chunks", suite: "Suite", metrics: "Metrics", report: "Report", welcome: "Welcome to Channel Copilot",
        sidebarLink: "Rep sidebar (WeCom chat toolbar)", deskLink: "Agent call desktop",
        adminLink: "Admin & evaluation console", online: "Connected", offline: "Disconnected, reconnecting…",
        connecting: "Connecting…", signedOut: "Signed out", stale: "Already decided elsewhere", accepted: "Accepted",
        edited: "Edited and sent", rejected: "Rejected", reveal: "Show values", revealed: "Shown (this screen only)", expiredValues: "Some values have expired: not sent, fill them in by hand", copied: "Copied to clipboard", inserted: "Inserted into the chat",
        extractive: "Extractive draft (not rewritten by the LLM)", fallback: "LLM timed out: template draft",
        llm: "LLM draft", template: "Template draft (computed values locked)", none: "No draft", clause: "Clause",
        fact: "Customer data", signal: "Signal", rule: "Rule", verdict: "Guardrail verdict", perception: "Perception",
        computed: "Computed", ok: "intact", broken: "tampered", compare: "Compare", decided: "Decided elsewhere",
        signOut: "Sign out", switchKey: "Switch key", badKey: "The key is invalid or not allowed here: sign in again",
        keyHint: "e.g. dev-rep-zhang", pending: "Pending", streaming: "Writing…", failed: "Failed", staleState: "Decided elsewhere",
        summaryCard: "Call summary", refusal: "Refused", repAnswer: "Answer for you", blocked: "Blocked by a guardrail",
        abstain: "Unsure: no suggestion", autopilot: "Answered automatically", customerSaid: "Customer said",
        answer: "Answer", draft: "Draft reply", nextActions: "Next steps", why: "Why", inputs: "Inputs",
        output: "Result", debug: "Retriever debug details", source: "Source", clauseNo: "Clause", page: "page",
        cannotCompute: "Can't compute", clauseOnly: "Clause cited, nothing computed", noAnswer: "Nothing to compute",
        wrong_intent: "Wrong intent", wrong_action: "Wrong action", wrong_evidence: "Wrong evidence",
        outdated_policy: "Outdated policy", wrong_customer_data: "Wrong customer data", tone: "Tone",
        not_needed: "Not needed", compliance: "Compliance", other: "Other", corrected: "The right one (optional)",
        rejectWhy: "Why reject", shortcuts: "Keys: A accept · E edit · R reject · J/K move", ask: "Ask the copilot",
        askPlaceholder: "e.g. what did this customer order recently?", askSend: "Ask", askAbout: "About customer",
        by: "by", at: "at", more: "More", less: "Less", prev: "Previous", next: "Next", of: "of", actor: "Actor",
        time: "Time", chain: "Evidence chain", noRuns: "No eval runs yet", backtest: "Backtest",
        businessUnits: "Business units", fired: "fired", acceptRate: "acceptance", importStatus: "Import status",
        documents: "Documents", callTimer: "Call time", pause: "pause", filler: "fillers",
        lowConfidence: "Low-confidence transcript: please check", agentSpk: "Agent", customerSpk: "Customer",
        input: "Customer's words (masked)", crmFields: "CRM fields", rulesFired: "Rules fired", verdicts: "Guardrail verdicts",
        humanDiff: "Human's edit", allDecisions: "All decisions", allKinds: "All kinds", apply: "Apply",
        reportOpen: "Open report", approval: "Needs manager approval", authority: "authority", loading: "Loading…",
        empty: "None", sentToRep: "Only you see this", inForce: "In force", superseded: "Superseded", expired: "Expired",
        skip: "Skip to content", allUnits: "all", draftStatus: "Draft", suggestionKind: "Suggestion", decisionKind: "Decision", denialKind: "Access denied",
        checkpointKind: "Checkpoint", redactionKind: "Redaction" },
};
const KIND_KEY = { policy_clause: "clause", customer_fact: "fact", signal: "signal", rule: "rule",
                   guardrail_verdict: "verdict", perception: "perception", computed_fact: "computed" };
const App = {
  lang: localStorage.getItem("copilot.lang") || "zh",
  // A ?key= link may sign a fresh browser in, but never replaces a key already stored here (a link from someone else
  // would otherwise switch the rep into that key's identity). The key is then removed from the address bar.
  key: localStorage.getItem("copilot.key") || new URLSearchParams(location.search).get("key") || "",
  labels: { intents: {}, actions: {}, parameters: {} },
  conn: "",  // no stream on this page (admin): no pill
  t(k) { return (I18N[this.lang] || I18N.zh)[k] || (I18N.zh[k]) || k; },
  // the tenant's display names (intents.yaml label_zh, actions.yaml); English falls back to the id made readable
  label(group, name) { const l = (this.labels[group] || {})[name]; return l ? (l[this.lang] || l.zh) : humanise(name); },
  intentName(intent) {
    if (!intent) return "";
    const l = this.labels.intents[intent.name];
    return l ? (l[this.lang] || l.zh) : (this.lang === "zh" && intent.label_zh) || humanise(intent.name);
  },
  applyI18n() {
    document.documentElement.lang = this.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = this.t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-ph]").forEach(el => { el.placeholder = this.t(el.dataset.i18nPh); });
    document.querySelectorAll("[data-i18n-label]").forEach(el => { el.setAttribute("aria-label", this.t(el.dataset.i18nLabel)); });
    const lang = document.getElementById("lang");
    lang.textContent = this.lang === "zh" ? "EN" : "中文";
    this.setConn(this.conn);
    document.dispatchEvent(new Event("copilot:lang"));
  },
  async api(path, opts = {}) {
    const headers = Object.assign({ "X-API-Key": this.key }, opts.body ? { "Content-Type": "application/json" } : {});
    let r;
    try { r = await fetch(path, Object.assign({}, opts, { headers })); }
    catch (err) { this.setConn("offline"); const e = new Error(this.t("offline")); e.status = 0; throw e; }
    const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
    if (!r.ok) {
      const e = new Error((body && body.message) || r.statusText); e.status = r.status; e.body = body;
      if (r.status === 401 || (r.status === 403 && path === "/v1/me")) this.signIn(this.t("badKey"));
      throw e;
    }
    return body;
  },
  setConn(state) {  // connecting | online | offline | signedOut: what the pill says is what the stream is
    this.conn = state;
    const pill = document.getElementById("conn");
    if (!pill) return;
    pill.hidden = !state;
    pill.textContent = state ? this.t(state) : "";
    pill.className = `pill conn-${state} ${state === "online" ? "ok" : state === "offline" ? "warn" : ""}`;
    pill.dataset.state = state;
  },
  signIn(message) {  // a missing, mistyped or revoked key: the sign-in form, never an endless reconnect
    this.setConn("signedOut");
    if (this.es) this.es.close();
    if (this.handle) this.handle.closed = true;
    const login = document.getElementById("login");
    login.hidden = false;
    document.getElementById("login-msg").textContent = message || "";
    document.getElementById("key").focus();
  },
  signOut() {
    localStorage.removeItem("copilot.key"); this.key = "";
    this.signIn("");
  },
  // EventSource cannot send headers and an API key in a URL lands in logs, so each connection first asks for a
  // short-lived stream token (POST /v1/stream/token, ~60 s). The pill follows the stream: "connected" only after the
  // server's hello; a silent stream (no keep-alive for 40 s) or an error is "reconnecting"; a 401/403 is sign-in.
  // After every (re)open `onOpen` lets the page catch up by id.
  stream(topic, handlers, onOpen) {
    const handle = { es: null, closed: false, retry: 500, close() { this.closed = true; this.es && this.es.close(); } };
    this.handle = handle;
    let watchdog = null;
    const restart = () => { if (handle.es) handle.es.close(); if (!handle.closed) { this.setConn("offline"); setTimeout(connect, handle.retry); handle.retry = Math.min(handle.retry * 2, 8000); } };
    const alive = () => { clearTimeout(watchdog); watchdog = setTimeout(restart, 40000); };
    const connect = async () => {
      if (handle.closed) return;
      let token;
      try { token = (await this.api("/v1/stream/token", { method: "POST" })).token; }
      catch (e) {
        if (e.status === 401 || e.status === 403) { this.signIn(this.t("badKey")); return; }
        this.setConn("offline"); setTimeout(connect, handle.retry); handle.retry = Math.min(handle.retry * 2, 8000); return;
      }
      if (handle.closed) return;
      const es = new EventSource(`/v1/stream?token=${encodeURIComponent(token)}${topic ? "&topic=" + encodeURIComponent(topic) : ""}`);
      this.es = handle.es = es;  // kept so a page (or a test) can close it
      es.addEventListener("hello", () => { handle.retry = 500; this.setConn("online"); alive(); onOpen && onOpen(); });
      es.onmessage = alive;
      es.onerror = () => {
        // the server went away (shutdown closes the stream) or refused the token: open a fresh one ourselves, so an
        // expired token never leaves the browser retrying a dead URL while the pill still says "connected"
        if (handle.es !== es) return;
        clearTimeout(watchdog); es.close(); restart();
      };
      for (const [name, fn] of Object.entries(handlers)) es.addEventListener(name, ev => { alive(); fn(JSON.parse(ev.data)); });
    };
    this.setConn("connecting");
    connect();
    return handle;  // handle.close() ends the stream for good (e.g. the desk switching calls)
  },
  bars(figure, rows, { max } = {}) {  // rows: [[label, value, note]] → a horizontal SVG bar chart
    const m = max || Math.max(1, ...rows.map(r => r[1]));
    const h = 18 * rows.length + 4;
    const parts = rows.map(([label, v, note], i) =>
      `<text x="0" y="${18 * i + 13}">${esc(label)}</text>` +
      `<rect x="110" y="${18 * i + 3}" width="${Math.max(1, 150 * v / m)}" height="12" fill="#0b7a3e" rx="2"></rect>` +
      `<text x="${116 + 150 * v / m}" y="${18 * i + 13}">${esc(note ?? v)}</text>`);
    figure.innerHTML = `<svg viewBox="0 0 330 ${h}" width="100%" role="img" aria-label="${esc(figure.getAttribute("aria-label") || "")}">${parts.join("")}</svg>`;
  },
  // Evidence people can read: title, version, effective dates, the clause rendered (markdown tables as tables), a
  // computed fact with its inputs (each input named from the suggestion's own evidence); retriever details folded.
  showEvidence(ev, all = []) {
    if (!ev) return;
    const byId = Object.fromEntries((all || []).map(e => [e.id, e]));
    const d = document.getElementById("detail");
    const lin = ev.lineage || {};
    const src = ev.source_ids || {};
    const kind = this.t(KIND_KEY[ev.kind] || ev.kind);
    document.getElementById("detail-title").textContent = ev.kind === "computed_fact" ? this.evTitle(ev) : `${kind}：${ev.title || src.field || src.tool || ""}`;
    const meta = [];
    if (ev.version || src.version) meta.push(`${this.t("version")} v${esc(ev.version || src.version)}`);
    if (src.clause) meta.push(`${this.t("clauseNo")} ${esc(src.clause)}`);
    if (lin.effective_date) meta.push(`${this.t("effective")} ${esc(lin.effective_date)}`);
    if (lin.expiry_date) meta.push(`${this.t("expires")} ${esc(lin.expiry_date)}`);
    if (lin.status) meta.push(`<span class="pill ${lin.status === "in_force" ? "ok" : "warn"}">${esc(this.status(lin.status))}</span>`);
    if (src.page && src.page !== "0") meta.push(`${this.t("page")} ${esc(src.page)}`);
    let body = `<p class="ev-meta">${meta.join(" · ")}</p>`;
    if (ev.kind === "computed_fact") {
      const out = lin.output !== undefined ? `${esc(typeof lin.output === "object" ? JSON.stringify(lin.output) : lin.output)}${lin.unit ? " " + esc(lin.unit) : ""}` : "";
      body += `<p class="computed-out"><strong>${this.t("output")}：</strong>${out || esc(ev.content)}</p>`;
      body += `<p class="clause-text">${esc(ev.content)}</p>`;
      const inputs = lin.inputs || [];
      if (inputs.length) body += `<h3>${this.t("inputs")}</h3><ul class="inputs">` + inputs.map(i => {
        const ref = i.evidence_id && byId[i.evidence_id];
        const name = ref ? (ref.kind === "computed_fact" ? this.evTitle(ref) : `${this.t(KIND_KEY[ref.kind] || ref.kind)}：${ref.title || ref.content.slice(0, 40)}`) : (i.field || i.evidence_id || "");
        const val = typeof i.value === "object" ? JSON.stringify(i.value) : i.value;
        return `<li>${ref ? `<button type="button" class="link ev-input" data-ev="${esc(i.evidence_id)}">${esc(name)}</button>` : esc(name)} = <strong>${esc(val)}</strong></li>`;
      }).join("") + "</ul>";
      if (src.tool) body += `<p class="muted">${this.t("source")}: ${esc(src.tool)}${src.doc_id ? " · " + esc(src.doc_id) : ""}${src.clause ? " · " + esc(src.clause) : ""}</p>`;
    } else {
      body += `<div class="clause-text">${renderMarkdown(ev.content)}</div>`;
    }
    const debug = Object.entries(lin).filter(([k]) => !["inputs", "output", "unit", "effective_date", "expiry_date", "status"].includes(k));
    const srcRows = Object.entries(src).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
    body += `<details class="debug"><summary>${this.t("debug")}</summary><table>${srcRows}` +
      debug.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(typeof v === "object" ? JSON.stringify(v) : v)}</td></tr>`).join("") +
      `</table><p class="muted">${esc(ev.content_hash)}${ev.score != null ? " · score " + esc(ev.score) : ""}</p></details>`;
    const box = document.getElementById("detail-body");
    box.innerHTML = body;
    box.querySelectorAll(".ev-input").forEach(b => b.onclick = () => this.showEvidence(byId[b.dataset.ev], all));
    if (!d.open) d.showModal();
    box.scrollTop = 0;
  },
  evTitle(ev) {  // a computed fact's title carries its tool id ("计算 · rebate_rate"): the tenant's name for it
    if (ev.kind === "computed_fact") {
      const id = String(ev.title || "").split(" · ").pop();
      const l = (this.labels.computations || {})[id];
      return `${this.t("computed")}：${l ? (l[this.lang] || l.zh) : humanise(id)}`;
    }
    return ev.title || (ev.source_ids || {}).field || "";
  },
  status(s) { return this.t({ in_force: "inForce", superseded: "superseded", expired: "expired", draft: "draftStatus" }[s] || s); },
  async loadLabels() {
    try { this.labels = await this.api("/v1/ui/labels"); } catch (_) { /* ids made readable instead */ }
  },
  init(start) {
    document.getElementById("lang").onclick = () => {
      this.lang = this.lang === "zh" ? "en" : "zh"; localStorage.setItem("copilot.lang", this.lang); this.applyI18n();
    };
    document.getElementById("signout").onclick = () => this.signOut();
    this.applyI18n();
    const login = document.getElementById("login");
    login.onsubmit = async e => {
      e.preventDefault();
      const key = document.getElementById("key").value.trim();
      if (!key) return;
      this.key = key;
      try { await this.api("/v1/me"); }  // a mistyped key is never stored: it would lock every page
      catch (err) { this.key = ""; document.getElementById("login-msg").textContent = this.t("badKey"); return; }
      localStorage.setItem("copilot.key", key); login.hidden = true; document.getElementById("login-msg").textContent = "";
      location.reload();  // a clean page for the new identity (no cards of the previous key stay on screen)
    };
    const params = new URLSearchParams(location.search);
    if (params.has("key")) {  // keep the key out of history, bookmarks and screenshots
      params.delete("key");
      history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : "") + location.hash);
    }
    if (!this.key) { this.signIn(""); return; }
    const run = async () => {
      let me;
      try { me = await this.api("/v1/me"); }
      catch (e) { if (e.status === 401 || e.status === 403) return; this.setConn("offline"); setTimeout(run, 2000); return; }
      localStorage.setItem("copilot.key", this.key);
      this.me = me;
      document.getElementById("who").textContent = `${me.id}`;
      document.getElementById("signout").hidden = false;
      await this.loadLabels();
      this.applyI18n();
      start(me);
    };
    run();
  },
};
function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
function humanise(id) { const s = String(id || "").replace(/[_-]+/g, " ").trim(); return s ? s[0].toUpperCase() + s.slice(1) : ""; }
// Clause text is plain text with markdown tables (| a | b |): tables become tables, the rest stays text.
function renderMarkdown(text) {
  const lines = String(text || "").split("\n");
  const out = []; let table = [];
  const flush = () => {
    if (!table.length) return;
    const rows = table.filter(r => !/^\s*\|?\s*:?-{2,}/.test(r)).map(r => r.trim().replace(/^\||\|$/g, "").split("|").map(c => c.trim()));
    out.push(`<table class="md"><thead><tr>${rows[0].map(c => `<th scope="col">${esc(c)}</th>`).join("")}</tr></thead><tbody>` +
      rows.slice(1).map(r => `<tr>${r.map(c => `<td>${esc(c)}</td>`).join("")}</tr>`).join("") + "</tbody></table>");
    table = [];
  };
  for (const line of lines) {
    if (/^\s*\|.*\|\s*$/.test(line)) { table.push(line); continue; }
    flush(); if (line.trim()) out.push(`<p>${esc(line)}</p>`);
  }
  flush();
  return out.join("");
}
