// The rep's WeCom chat-toolbar sidebar. Answer-first cards: the customer's words quoted, one line with the computed
// answer and its citation chips (phase 1, pushed before the draft), the draft streaming below it, next actions with
// their parameters in words, a sticky Accept / Edit / Reject bar with one-tap reasons, keyboard shortcuts, and
// states that look like what they are (pending, streaming, decided with who and when, stale, failed).
"use strict";
const params = new URLSearchParams(location.search);
const state = { customer: params.get("customer") || "", cards: new Map(), byMessage: new Map(), current: null,
                names: new Map(), data: new Map() };
const list = document.getElementById("suggestions");
const REASONS = ["wrong_intent", "wrong_action", "wrong_evidence", "wrong_customer_data", "outdated_policy", "tone",
                 "not_needed", "compliance", "other"];
const NO_BUTTONS = new Set(["summary", "refusal", "rep_answer", "blocked", "autopilot"]);

async function wecomReady() {
  // Inside the WeCom client the host page provides `wx` (the JS-SDK); the server signs config and agentConfig
  // (POST /v1/wecom/jssdk) so getCurExternalContact and sendChatMessage are authorised.
  if (!(window.wx && wx.config && wx.agentConfig)) return false;
  try {
    const s = await App.api("/v1/wecom/jssdk", { method: "POST", body: JSON.stringify({ url: location.href.split("#")[0] }) });
    wx.config(s.config);
    await new Promise((res, rej) => wx.agentConfig(Object.assign({}, s.agentConfig, { success: res, fail: rej })));
    return true;
  } catch (_) { return false; }
}

async function currentCustomer(inWecom) {
  if (inWecom && wx.invoke) {
    return new Promise(res => wx.invoke("getCurExternalContact", {}, r => res(r && r.userId ? r.userId : state.customer)));
  }
  return state.customer;
}

function newCard(key) {
  const li = document.getElementById("sug-tpl").content.firstElementChild.cloneNode(true);
  li.dataset.key = key;
  const n = list.children.length + state.cards.size + 1;
  const ta = li.querySelector("textarea"); ta.id = `final-${key}-${n}`;
  li.querySelector(".editor label").htmlFor = ta.id;
  const reasons = li.querySelector(".reasons");
  for (const code of REASONS) {
    const b = document.createElement("button"); b.type = "button"; b.className = "reason ghost small";
    b.dataset.code = code; b.dataset.i18n = code; b.textContent = App.t(code); reasons.append(b);
  }
  li.addEventListener("focusin", () => { state.current = li; });
  list.prepend(li);
  document.getElementById("empty").hidden = true;
  li.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = App.t(el.dataset.i18n); });
  return li;
}

function setState(li, st, text) {
  li.dataset.state = st;
  const pill = li.querySelector(".state");
  pill.textContent = text || App.t(st === "stale" ? "staleState" : st);
  pill.className = `state pill st-${st}`;
}

function chip(ev, all) {
  const b = document.createElement("button"); b.type = "button"; b.className = `chip chip-${ev.kind}`;
  b.textContent = ev.kind === "policy_clause" ? `《${ev.title}》${ev.source_ids.clause || ""}` : (App.evTitle(ev) || App.t(KIND_KEY[ev.kind] || ev.kind));
  b.onclick = () => App.showEvidence(ev, all);
  return b;
}

function renderAnswer(li, answer, evidence) {
  const box = li.querySelector(".answer");
  if (!answer || answer.status === "none" || !answer.text) { box.hidden = true; return; }
  const ev = Object.fromEntries(evidence.map(e => [e.id, e]));
  box.hidden = false; box.innerHTML = "";
  const line = document.createElement("p"); line.className = `answer-line st-${answer.status}`;
  line.innerHTML = `<strong>${App.t("answer")}</strong> <span class="answer-text">${esc(answer.text)}</span>`;
  const chips = document.createElement("span"); chips.className = "chips";
  const seen = new Set();  // one chip per source as the rep reads it (two chunks of one clause are one chip)
  for (const id of answer.evidence_ids || []) if (ev[id]) {
    const c = chip(ev[id], evidence);
    if (!seen.has(c.textContent)) { seen.add(c.textContent); chips.append(c); }
  }
  line.append(chips); box.append(line);
  if (answer.status === "clause_only") box.insertAdjacentHTML("beforeend", `<p class="muted small">${App.t("clauseOnly")}</p>`);
  for (const why of answer.cannot_compute || []) box.insertAdjacentHTML("beforeend", `<p class="warn-text small">${App.t("cannotCompute")}：${esc(why)}</p>`);
}

function paramWords(a, evidence) {
  // parameters in words: a document by its title, a percentage as one, the authority it needs
  const out = [];
  const p = a.parameters || {};
  if (p.doc_id) {
    const doc = evidence.find(e => e.source_ids && e.source_ids.doc_id === p.doc_id);
    const title = doc ? doc.title : p.doc_id;
    out.push(`《${title}》${p.version && !title.includes(p.version) ? " v" + p.version : ""}`);
  }
  for (const [k, v] of Object.entries(p)) {
    if (["doc_id", "version"].includes(k) || v === "" || v == null) continue;
    const val = k === "percent" ? `${v}%` : (typeof v === "object" ? JSON.stringify(v) : v);
    out.push(k === "reason" ? String(val) : `${App.label("parameters", k)} ${val}`);
  }
  if (a.requires_authority && a.requires_authority !== "rep") out.push(App.t("approval"));
  return out.join("，");
}

function renderActions(li, actions, evidence) {
  const box = li.querySelector(".actions-box"), ul = li.querySelector(".actions");
  // an action kept off the card because the customer declined it or has it already: said, with the words that said so
  const held = evidence.filter(e => e.source_ids && e.source_ids.rule_id === "message_stance");
  ul.innerHTML = ""; box.hidden = !actions.length && !held.length;
  const ev = Object.fromEntries(evidence.map(e => [e.id, e]));
  actions.forEach((a, i) => {
    const item = document.createElement("li");
    const words = paramWords(a, evidence);
    const b = document.createElement("button"); b.type = "button"; b.className = "action ghost";
    b.setAttribute("aria-expanded", "false");
    b.textContent = `${App.label("actions", a.name)}${words ? "（" + words + "）" : ""}`;
    const why = document.createElement("div"); why.className = "why muted small"; why.hidden = true; why.id = `why-${li.dataset.key}-${i}`;
    b.setAttribute("aria-controls", why.id);
    why.textContent = a.rationale || "";
    for (const id of a.evidence_ids) if (ev[id]) why.append(" ", chip(ev[id], evidence));
    b.onclick = () => { why.hidden = !why.hidden; b.setAttribute("aria-expanded", String(!why.hidden)); };
    item.append(b, why); ul.append(item);
  });
  for (const e of held) {
    const item = document.createElement("li"); item.className = "stance muted small";
    const said = ((e.lineage || {}).inputs || [{}])[0].value || "";
    item.append(chip(e, evidence), said ? ` “${said}”` : ""); ul.append(item);
  }
}

// Drafts carry vault tokens (<CN_MOBILE_1>) instead of personal data; the rep's own screen may show the values, fetched
// on request from the vault (POST /v1/suggestions/{id}/unmask, audited), kept in memory only, and never delivered as
// tokens to the customer.
const TOKEN = /<[A-Z][A-Z_]*?_\d+>/g;
const hasTokens = text => new RegExp(TOKEN.source).test(text || "");

function tokenValues(masked, plain) {  // which value stands for which token, from the masked and unmasked draft
  const names = [];
  const pattern = masked.split(/(<[A-Z][A-Z_]*?_\d+>)/).map(part => {
    if (/^<[A-Z][A-Z_]*?_\d+>$/.test(part)) { names.push(part); return "(.+?)"; }
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  const m = new RegExp(`^${pattern}$`, "s").exec(plain || "");
  return m ? Object.fromEntries(names.map((n, i) => [n, m[i + 1]])) : {};
}

async function revealed(s) {  // {draft, values} for this suggestion, or null when the vault no longer has them all
  const r = await App.api(`/v1/suggestions/${s.id}/unmask`, { method: "POST" });
  if (!r.draft || (r.missing && r.missing.length)) return null;
  return { draft: r.draft, values: tokenValues(s.draft.text, r.draft) };
}

function paintDraft(li, s, text) {
  const draft = li.querySelector(".draft");
  const ev = Object.fromEntries(s.evidence.map(e => [e.id, e]));
  const cites = Object.fromEntries(s.draft.citations.map(c => [c.marker, c.evidence_id]));
  draft.innerHTML = esc(text).replace(/\[(\d{1,3})\]/g, (m, n) =>
    cites[n] ? `<button type="button" class="cite" data-ev="${esc(cites[n])}" aria-label="${App.t("source")} ${n}">[${n}]</button>` : m);
  draft.querySelectorAll(".cite").forEach(b => b.onclick = () => App.showEvidence(ev[b.dataset.ev], s.evidence));
  li.querySelector("textarea").value = text;
}

function renderDraft(li, s) {
  if (s.draft && s.draft.text) {
    paintDraft(li, s, s.draft.text);
    const source = li.querySelector(".draft-source");
    source.textContent = App.t(s.draft.source);
    if (hasTokens(s.draft.text) && !li.querySelector(".reveal")) {
      const b = document.createElement("button"); b.type = "button"; b.className = "reveal ghost small";
      b.textContent = App.t("reveal");
      b.onclick = async () => {
        b.disabled = true;
        try {
          const r = await revealed(s);
          if (r) { paintDraft(li, s, r.draft); b.textContent = App.t("revealed"); }
          else { b.textContent = App.t("expiredValues"); }
        } catch (e) { b.disabled = false; b.textContent = `${App.t("failed")}：${e.message}`; }
      };
      source.after(b);
    }
    li.querySelector(".draft-box").hidden = false;
  } else { li.querySelector(".draft-box").hidden = true; }
}

function partial(ev) {  // phase 1: intent, computed answer, evidence, actions — before the draft
  const d = ev.data || {};
  if (state.customer && d.customer_ref && d.customer_ref !== state.customer) return;
  const key = `${ev.conversation_id}|${ev.message_id}`;
  if (state.byMessage.has(key)) return;
  const received = Date.now();  // the event reached the page (timings read by the page tests)
  const li = newCard(key);
  li.dataset.tRecv = String(received);
  state.byMessage.set(key, li);
  li.dataset.messageId = ev.message_id;
  quote(li, ev.message_text);
  li.querySelector(".intent").textContent = App.intentName(d.intent);
  nameCustomer(li, d.customer_ref);
  renderAnswer(li, d.answer, d.evidence || []);
  renderActions(li, d.actions || [], d.evidence || []);
  li.querySelector(".draft-box").hidden = true;
  li.querySelector(".buttons").hidden = true;  // nothing to accept until the draft is final
  setState(li, "streaming");
  stampPainted(li, "tPartial");
}

function stampPainted(li, name) {
  // "visible" = the frame holding the change is being painted, not just the DOM updated (rAF runs before that paint)
  li.dataset[name + "Dom"] = String(Date.now());
  requestAnimationFrame(() => { if (!li.dataset[name]) li.dataset[name] = String(Date.now()); });
}

function token(ev) {
  const li = state.byMessage.get(`${ev.conversation_id}|${ev.message_id}`);
  if (!li || li.dataset.id) return;  // the final suggestion already replaced the stream
  const d = ev.data || {};
  const seq = Number(d.seq ?? 0);
  if (seq < Number(li.dataset.seq ?? -1) + 1 && li.dataset.seq !== undefined) return;
  li.dataset.seq = String(seq);
  const draft = li.querySelector(".draft");
  li.querySelector(".draft-box").hidden = false;
  draft.textContent += d.text || "";
  li.querySelector(".draft-source").textContent = App.t("streaming");
  if (!li.dataset.tTokenDom) stampPainted(li, "tToken");
}

function quote(li, text) {
  const q = li.querySelector(".quote");
  q.hidden = !text;
  if (text) li.querySelector(".quote-text").textContent = text;
}

async function nameCustomer(li, ref) {
  // a card names its customer when the page shows several (no customer chosen)
  if (state.customer || !ref) return;
  const el = li.querySelector(".for-customer");
  el.textContent = state.names.get(ref) || ref;
  if (!state.names.has(ref)) {
    try { const c = await App.api(`/v1/customers/${encodeURIComponent(ref)}/360`); state.names.set(ref, c.name); }
    catch (_) { state.names.set(ref, ref); }
    el.textContent = state.names.get(ref);
  }
}

function upsert(s, view = {}) {
  if (!s) return;
  if (state.customer && s.customer_ref !== state.customer && s.kind !== "rep_answer" && s.kind !== "refusal") return;
  let li = state.cards.get(s.id);
  if (!li) {                                   // a catch-up after reconnect never duplicates a card
    const key = `${s.conversation_id}|${s.message_id}`;
    li = state.byMessage.get(key) && !state.byMessage.get(key).dataset.id ? state.byMessage.get(key) : newCard(key);
    state.byMessage.set(key, li);
    li.dataset.id = s.id;
    li.dataset.kind = s.kind;
    state.cards.set(s.id, li);
    state.data.set(s.id, s);
    render(li, s);
    stampPainted(li, "tFinal");
  }
  if (view.message_text && !li.querySelector(".quote-text").textContent) quote(li, view.message_text);
  else if (!li.querySelector(".quote-text").textContent) quote(li, "");
  if (view.decision) markDecided(li, view.decision, view.decided_by, view.decided_at);
}

function render(li, s) {
  li.querySelector(".intent").textContent = App.intentName(s.intent) + (s.intent.abstained ? " ⚠" : "");
  nameCustomer(li, s.customer_ref);
  renderAnswer(li, s.answer, s.evidence);
  renderActions(li, s.actions, s.evidence);
  renderDraft(li, s);
  const verdicts = s.verdicts.filter(v => v.outcome !== "allow");
  li.querySelector(".verdicts").innerHTML = verdicts
    .map(v => `<span class="pill ${v.outcome === "block" ? "bad" : "warn"}">${esc(v.reasons.join("；") || v.guard)}</span>`).join(" ");
  const summary = li.querySelector(".summary");
  if (s.kind === "summary") {  // a wrap-up is a summary card, not an empty card with buttons
    const sm = s.summary || {};
    summary.hidden = false;
    summary.innerHTML = `<h3>${App.t("summaryCard")}</h3><p>${esc(sm.summary || "")}</p>` +
      (sm.disposition ? `<p><strong>${App.t("disposition")}</strong> ${esc(sm.disposition)}</p>` : "") +
      ((sm.follow_ups || []).length ? `<ul>${sm.follow_ups.map(f => `<li>${esc(f)}</li>`).join("")}</ul>` : "");
  }
  const kindState = { summary: "summaryCard", refusal: "refusal", rep_answer: "repAnswer", blocked: "blocked",
                      abstain: "abstain", autopilot: "autopilot" }[s.kind];
  setState(li, kindState ? `k-${s.kind}` : "pending", kindState ? App.t(kindState) : App.t("pending"));
  if (s.kind === "rep_answer") li.querySelector(".decided-line").textContent = App.t("sentToRep");
  const buttons = li.querySelector(".buttons");
  buttons.hidden = NO_BUTTONS.has(s.kind) || (!s.draft && s.kind !== "abstain");
  li.querySelector(".accept").hidden = !s.draft;
  li.querySelector(".accept").onclick = () => decide(li, s, { kind: "accept" });
  li.querySelector(".edit").onclick = () => openForm(li, ".editor");
  li.querySelector(".reject").onclick = () => openForm(li, ".rejector");
  li.querySelector(".editor").onsubmit = e => { e.preventDefault(); decide(li, s, { kind: "edit", final_text: e.target.final.value }); };
  li.querySelector(".rejector").onsubmit = e => e.preventDefault();
  li.querySelectorAll(".reason").forEach(b => b.onclick = () =>   // one tap: the reason is the submit
    decide(li, s, { kind: "reject", reason_code: b.dataset.code, reason_text: li.querySelector(".rejector input").value.trim() }));
}

function openForm(li, which) {
  for (const f of [".editor", ".rejector"]) li.querySelector(f).hidden = f !== which ? true : !li.querySelector(f).hidden;
  const first = li.querySelector(`${which} textarea, ${which} .reason`);
  if (first && !li.querySelector(which).hidden) first.focus();
}

function markDecided(li, kind, by, at) {
  Object.assign(li.dataset, { decision: kind, by: by || "", at: at || li.dataset.at || new Date().toISOString() });
  at = li.dataset.at;
  const key = { accept: "accepted", edit: "edited", reject: "rejected" }[kind] || "decided";
  setState(li, "decided", App.t(key));
  li.querySelector(".state").classList.add(`st-${kind}`);
  const when = at ? new Date(at) : new Date();
  const who = by || (App.me && App.me.id) || "";
  li.querySelector(".decided-line").textContent =
    `${App.t(key)} · ${who ? App.t("by") + " " + who + " · " : ""}${when.toLocaleString(App.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false })}`;
  li.querySelector(".buttons").hidden = true;   // decided cards lose their buttons
  li.querySelector(".editor").hidden = true; li.querySelector(".rejector").hidden = true;
}

function customerText(text) {
  return text ? text.replace(/[ \t]*\[\d{1,3}\]/g, "").trim() : text;
}

async function decide(li, s, body) {
  const notice = li.querySelector(".notice");
  notice.className = "notice";
  li.querySelectorAll(".buttons button, form button").forEach(b => b.disabled = true);
  try {
    // the customer gets the words without the card's citation markers ([1] [2] point the rep at the evidence)
    let text = customerText(body.kind === "edit" ? body.final_text : (s.draft && s.draft.text));
    let blocked = false;  // a token the vault no longer holds: never hand "<CN_MOBILE_1>" to the customer
    if (body.kind !== "reject" && hasTokens(text)) {
      const r = await revealed(s).catch(() => null);
      if (r) text = text.replace(TOKEN, t => r.values[t] ?? t);
      blocked = hasTokens(text);
    }
    await App.api(`/v1/suggestions/${s.id}/decision`, { method: "POST", body: JSON.stringify(body) });
    markDecided(li, body.kind);
    if (blocked) { notice.textContent = App.t("expiredValues"); notice.className = "notice warn-text"; return; }
    if (body.kind !== "reject" && text) { notice.textContent = await deliver(text); notice.className = "notice ok-text"; }
  } catch (e) {
    if (e.status === 409) { markDecided(li, "decided"); setState(li, "stale"); notice.textContent = App.t("stale"); notice.className = "notice warn-text"; return; }
    setState(li, "failed");
    notice.textContent = `${App.t("failed")}：${e.message}`; notice.className = "notice error";
    li.querySelectorAll(".buttons button, form button").forEach(b => b.disabled = false);
  }
}

async function deliver(text) {
  if (state.wecom && wx.invoke) {           // inside WeCom: insert into the chat input box
    return new Promise(res => wx.invoke("sendChatMessage", { msgtype: "text", text: { content: text } }, () => res(App.t("inserted"))));
  }
  try { await navigator.clipboard.writeText(text); } catch (_) { /* clipboard needs focus / https; the text is shown */ }
  return App.t("copied");
}

async function load360() {
  if (!state.customer) { document.getElementById("customer").hidden = true; return; }
  try {
    const c = await App.api(`/v1/customers/${encodeURIComponent(state.customer)}/360`);
    document.getElementById("c-name").textContent = c.name;
    const key = c.signals[0];  // collapsed to one line: the name and the key signal
    document.getElementById("c-key").textContent = key ? (key.title || key.content) : "";
    document.getElementById("c-meta").textContent = [c.customer_id, c.tier && `${c.tier}`, c.owner_rep, c.region].filter(Boolean).join(" · ");
    const sig = document.getElementById("c-signals"); sig.innerHTML = "";
    for (const s of c.signals) sig.append(chip(s, c.signals));
    const rows = Object.entries(c.purchases_by_category || {}).map(([cat, w]) => [cat, w["365d"] || 0, `${w["180d"] || 0} / ${w["365d"] || 0}`]);
    if (rows.length) App.bars(document.getElementById("c-chart"), rows);
  } catch (e) { document.getElementById("c-meta").textContent = `${e.status || ""} ${e.message}`; }
}

async function catchUp() {
  const q = state.customer ? `?customer=${encodeURIComponent(state.customer)}&limit=50` : "?limit=50";
  const items = await App.api(`/v1/suggestions${q}`);
  for (const item of items) upsert(item.suggestion, item);
}

async function focusFromLink() {
  // /ui/s/<id> is the accept link of the WeCom text card: open the sidebar on that suggestion and its customer
  const m = location.pathname.match(/^\/ui\/s\/([\w-]+)$/);
  if (!m) return;
  const view = await App.api(`/v1/suggestions/${m[1]}`);
  state.customer = view.suggestion.customer_ref;
  upsert(view.suggestion, { decision: view.decision && view.decision.decision });
}

document.getElementById("ask").onsubmit = async e => {
  e.preventDefault();
  const input = document.getElementById("ask-text"), notice = e.target.querySelector(".notice");
  const text = input.value.trim();
  if (!text) return;
  const customer = state.customer || (state.current && state.data.get(state.current.dataset.id)?.customer_ref) || "";
  if (!customer) { notice.textContent = App.t("askAbout"); return; }
  notice.textContent = App.t("loading"); notice.className = "notice";
  try {
    const s = await App.api("/v1/ask", { method: "POST", body: JSON.stringify({ text, customer_ref: customer }) });
    upsert(s, { message_text: text });
    notice.textContent = ""; input.value = "";
    state.cards.get(s.id)?.focus();
  } catch (err) { notice.textContent = `${App.t("failed")}：${err.message}`; notice.className = "notice error"; }
};

document.addEventListener("keydown", e => {
  if (e.target.closest("input, textarea, select") || e.metaKey || e.ctrlKey || e.altKey) return;
  const cards = [...list.querySelectorAll("li.suggestion")];
  const cur = state.current && cards.includes(state.current) ? state.current : cards[0];
  if (!cur) return;
  const k = e.key.toLowerCase();
  if (k === "j" || k === "k") { const i = cards.indexOf(cur) + (k === "j" ? 1 : -1); cards[Math.max(0, Math.min(cards.length - 1, i))].focus(); return; }
  const btn = { a: ".accept", e: ".edit", r: ".reject" }[k];
  if (btn && !cur.querySelector(".buttons").hidden) { const b = cur.querySelector(btn); if (!b.hidden && !b.disabled) { e.preventDefault(); b.click(); } }
});

document.addEventListener("copilot:lang", () => {   // re-render labels in the other language
  for (const [id, li] of state.cards) {
    const s = state.data.get(id); if (!s) continue;
    const was = li.dataset.state;
    render(li, s);
    if (was === "decided" || was === "stale") { markDecided(li, li.dataset.decision, li.dataset.by, li.dataset.at); if (was === "stale") setState(li, "stale"); }
  }
  document.querySelectorAll(".reason").forEach(b => { b.textContent = App.t(b.dataset.code); });
});

App.init(async () => {
  state.wecom = await wecomReady();
  state.customer = await currentCustomer(state.wecom);
  await focusFromLink().catch(e => { document.getElementById("empty").textContent = `${e.status || ""} ${e.message}`; });
  load360();
  App.stream("", {
    suggestion_partial: ev => partial(ev),
    draft_token: ev => token(ev),
    suggestion: ev => upsert(ev.suggestion, { message_text: ev.message_text }),
    decision: ev => { const li = state.cards.get(ev.suggestion_id); if (li && li.dataset.state !== "decided") markDecided(li, ev.kind); },
  }, () => catchUp().catch(() => {}));
});
