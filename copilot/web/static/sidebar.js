// The rep's WeCom chat-toolbar sidebar: live suggestions for the current external contact, cited drafts,
// accept / edit / reject into the ledger, and the customer 360 panel.
"use strict";
const params = new URLSearchParams(location.search);
const state = { customer: params.get("customer") || "", cards: new Map() };
const list = document.getElementById("suggestions");

async function currentCustomer() {
  // Inside WeCom the JS-SDK tells us who the rep is chatting with; the host maps external ids to CRM ids.
  if (window.wx && wx.invoke) {
    return new Promise(res => wx.invoke("getCurExternalContact", {}, r => res(r && r.userId ? r.userId : state.customer)));
  }
  return state.customer;
}

function upsert(s, decision) {
  if (state.customer && s.customer_ref !== state.customer) return;
  let li = state.cards.get(s.id);
  if (!li) {                                   // a catch-up after reconnect never duplicates a card
    li = document.getElementById("sug-tpl").content.firstElementChild.cloneNode(true);
    li.dataset.id = s.id;
    state.cards.set(s.id, li);
    list.prepend(li);
    render(li, s);
  }
  if (decision) markDecided(li, decision);
  document.getElementById("empty").hidden = state.cards.size > 0;
}

function render(li, s) {
  const ev = Object.fromEntries(s.evidence.map(e => [e.id, e]));
  li.querySelector(".intent").textContent = `${s.intent.label_zh || s.intent.name}${s.intent.abstained ? " ⚠" : ""}`;
  li.querySelector(".conf").value = s.intent.confidence;
  li.querySelector(".conf").title = s.intent.confidence.toFixed(2);
  const acts = li.querySelector(".actions");
  for (const a of s.actions) {
    const item = document.createElement("li");
    item.innerHTML = `<strong>${esc(a.label || a.name)}</strong> <span class="muted">${esc(a.rationale)}</span> `;
    for (const id of a.evidence_ids) if (ev[id]) {
      const chip = document.createElement("button"); chip.type = "button"; chip.className = "chip";
      chip.textContent = App.t({ policy_clause: "clause", customer_fact: "fact", signal: "signal", rule: "rule" }[ev[id].kind] || ev[id].kind);
      chip.onclick = () => App.showEvidence(ev[id]); item.append(chip);
    }
    acts.append(item);
  }
  const draft = li.querySelector(".draft");
  if (s.draft) {
    const cites = Object.fromEntries(s.draft.citations.map(c => [c.marker, c.evidence_id]));
    draft.innerHTML = esc(s.draft.text).replace(/\[(\d{1,3})\]/g, (m, n) =>
      cites[n] ? `<button type="button" class="cite" data-ev="${esc(cites[n])}" aria-label="citation ${n}">[${n}]</button>` : m);
    draft.querySelectorAll(".cite").forEach(b => b.onclick = () => App.showEvidence(ev[b.dataset.ev]));
    li.querySelector(".draft-source").textContent = App.t(s.draft.source) || s.draft.source;
    li.querySelector("textarea").value = s.draft.text;
  } else { draft.hidden = true; }
  li.querySelector(".verdicts").innerHTML = s.verdicts.filter(v => v.outcome !== "allow")
    .map(v => `<span class="pill ${v.outcome === "block" ? "bad" : "warn"}">${esc(v.guard)}: ${esc(v.reasons.join("; "))}</span>`).join(" ");
  li.querySelector(".accept").onclick = () => decide(li, s, { kind: "accept" });
  li.querySelector(".edit").onclick = () => { li.querySelector(".editor").hidden = false; };
  li.querySelector(".reject").onclick = () => { li.querySelector(".rejector").hidden = false; };
  li.querySelector(".editor").onsubmit = e => { e.preventDefault(); decide(li, s, { kind: "edit", final_text: e.target.final.value }); };
  li.querySelector(".rejector").onsubmit = e => { e.preventDefault();
    decide(li, s, { kind: "reject", reason_code: e.target.code.value, reason_text: e.target.text.value }); };
}

function markDecided(li, kind) {
  const st = li.querySelector(".state");
  st.textContent = App.t({ accept: "accepted", edit: "edited", reject: "rejected" }[kind] || "decided");
  st.className = `state pill st-${kind}`;
  li.querySelectorAll(".buttons button, form button").forEach(b => b.disabled = true);
  li.querySelector(".editor").hidden = true; li.querySelector(".rejector").hidden = true;
}

async function decide(li, s, body) {
  const notice = li.querySelector(".notice");
  try {
    await App.api(`/v1/suggestions/${s.id}/decision`, { method: "POST", body: JSON.stringify(body) });
    markDecided(li, body.kind);
    const text = body.kind === "edit" ? body.final_text : (s.draft && s.draft.text);
    if (body.kind !== "reject" && text) notice.textContent = await deliver(text);
  } catch (e) {
    notice.textContent = e.status === 409 ? App.t("stale") : `${e.status || ""} ${e.message}`;
    if (e.status === 409) markDecided(li, "decided");
  }
}

async function deliver(text) {
  if (window.wx && wx.invoke) {           // inside WeCom: insert into the chat input box
    return new Promise(res => wx.invoke("sendChatMessage", { msgtype: "text", text: { content: text } }, () => res(App.t("inserted"))));
  }
  try { await navigator.clipboard.writeText(text); } catch (_) { /* clipboard needs focus / https; the text is shown */ }
  return App.t("copied");
}

async function load360() {
  if (!state.customer) return;
  try {
    const c = await App.api(`/v1/customers/${encodeURIComponent(state.customer)}/360`);
    document.getElementById("c-name").textContent = `${c.name} (${c.customer_id})`;
    document.getElementById("c-meta").textContent = [c.tier && `tier ${c.tier}`, c.owner_rep, c.region].filter(Boolean).join(" · ");
    const sig = document.getElementById("c-signals"); sig.innerHTML = "";
    for (const s of c.signals) { const b = document.createElement("button"); b.type = "button"; b.className = "chip";
      b.textContent = s.title || s.source_ids.signal_id; b.onclick = () => App.showEvidence(s); sig.append(b); }
    const rows = Object.entries(c.purchases_by_category || {}).map(([cat, w]) => [cat, w["365d"] || 0, `${w["180d"] || 0} / ${w["365d"] || 0}`]);
    if (rows.length) App.bars(document.getElementById("c-chart"), rows);
  } catch (e) { document.getElementById("c-meta").textContent = `${e.status || ""} ${e.message}`; }
}

async function catchUp() {
  const q = state.customer ? `?customer=${encodeURIComponent(state.customer)}` : "";
  const items = await App.api(`/v1/suggestions${q}`);
  for (const { suggestion, decision } of items) upsert(suggestion, decision);
}

async function focusFromLink() {
  // /ui/s/<id> is the accept link of the WeCom text card: open the sidebar on that suggestion and its customer
  const m = location.pathname.match(/^\/ui\/s\/([\w-]+)$/);
  if (!m) return;
  const view = await App.api(`/v1/suggestions/${m[1]}`);
  state.customer = view.suggestion.customer_ref;
  upsert(view.suggestion, view.decision && view.decision.decision);
}

App.init(async () => {
  state.customer = await currentCustomer();
  await focusFromLink().catch(e => { document.getElementById("empty").textContent = `${e.status || ""} ${e.message}`; });
  const me = await App.api("/v1/me").catch(() => null);
  if (me) document.getElementById("who").textContent = `${me.id} (${me.role})`;
  load360();
  App.stream("", {
    suggestion: ev => upsert(ev.suggestion),
    decision: ev => { const li = state.cards.get(ev.suggestion_id); if (li) markDecided(li, ev.kind); },
  }, () => catchUp().catch(() => {}));
});
