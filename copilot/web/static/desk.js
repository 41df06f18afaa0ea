// The agent's call desktop: a header with the customer and a call timer, the live transcript (partials, speakers,
// pause and filler markers, low-confidence lines), knowledge cards reachable by keyboard, the answer-first line and
// next actions as the call goes, and the wrap-up form at hang-up.
"use strict";
const desk = { call: new URLSearchParams(location.search).get("call") || "", seen: new Set(), wrap: null, es: null,
               started: 0, timer: null, audioS: 0 };

function tick() {
  // the call's length: the wall time since the desk heard the call, or the call's own audio clock (a final's end, in
  // seconds from the call's start) when that is further: a desk that joins late or gets the transcript in a burst
  // still shows how long the customer has been talking
  const wall = desk.started ? (Date.now() - desk.started) / 1000 : 0;
  const s = Math.floor(Math.max(wall, desk.audioS || 0));
  document.getElementById("timer").textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}
function startTimer() { if (desk.started) return; desk.started = Date.now(); desk.timer = setInterval(tick, 1000); tick(); }
function stopTimer() { clearInterval(desk.timer); desk.timer = null; }

function addFinal(f) {
  // a `final` frame of the voice socket, mirrored by the server: {utterance_id, speaker, text, start, end, signals,
  // low_confidence, confidence_reasons}; signals carry pause_before_ms and filler_count
  const key = `${f.utterance_id}:${f.speaker}`;
  if (desk.seen.has(key) || !f.text) return;
  desk.seen.add(key); desk.audioS = Math.max(desk.audioS || 0, Number(f.end) || 0); startTimer(); tick();
  desk.finals = (desk.finals || []).concat([f]);
  const tr = document.getElementById("transcript");
  tr.append(finalLine(f)); tr.scrollTop = tr.scrollHeight;
  document.getElementById("partial").textContent = "";
}

function finalLine(f) {
  const li = document.createElement("li");
  const sig = f.signals || {};
  const pauseS = (sig.pause_before_ms ?? (sig.pause_before_s != null ? sig.pause_before_s * 1000 : 0)) / 1000;
  const fillers = Math.round(sig.filler_count || 0);
  const who = App.t(f.speaker === "agent" ? "agentSpk" : "customerSpk");
  if (f.low_confidence) { li.className = "low-conf"; li.title = App.t("lowConfidence"); }
  li.innerHTML = (pauseS >= 1 ? `<div class="pause" data-pause-ms="${Math.round(pauseS * 1000)}">‖ ${App.t("pause")} ${pauseS.toFixed(1)} s</div>` : "") +
    `<strong>${esc(who)}</strong> <span class="muted">${Number(f.start || 0).toFixed(1)}s</span>：${esc(f.text)}` +
    (fillers ? ` <span class="pill warn filler">${App.t("filler")} ×${fillers}</span>` : "") +
    (f.low_confidence ? ` <span class="pill warn">${App.t("lowConfidence")}</span>` : "");
  return li;
}

function showState(ev) {  // audio states from the voice socket: narrow-band, silence, low confidence …
  const el = document.getElementById("audio-state");
  el.hidden = false; el.textContent = ev.message || ev.state;
}

function showSuggestion(s, text) {
  desk.last = { s, text };
  document.getElementById("intent").innerHTML =
    `<strong>${esc(App.intentName(s.intent))}</strong> <meter min="0" max="1" value="${s.intent.confidence}" aria-label="${esc(App.t("intent"))}"></meter>`;
  if (s.customer_ref) setCustomer(s.customer_ref);
  const q = document.getElementById("desk-quote");
  if (text) { q.hidden = false; q.querySelector("q").textContent = text; }
  const ans = document.getElementById("desk-answer"); ans.innerHTML = "";
  if (s.answer && s.answer.text && s.answer.status !== "none") {
    ans.innerHTML = `<p class="answer-line st-${esc(s.answer.status)}"><strong>${App.t("answer")}</strong> ${esc(s.answer.text)}</p>`;
  }
  const cards = document.getElementById("cards"); cards.innerHTML = "";
  const shown = s.evidence.filter(e => e.kind === "computed_fact").concat(s.evidence.filter(e => e.kind === "policy_clause")).slice(0, 4);
  shown.forEach((e, i) => {   // buttons: Tab reaches them, Enter opens the clause; keys 1-4 too
    const li = document.createElement("li"), b = document.createElement("button"); b.type = "button";
    b.innerHTML = `<strong>${i + 1}. ${e.kind === "computed_fact" ? App.t("computed") + "：" : "《" + esc(e.title) + "》"}${esc(e.version ? " v" + e.version : "")} ${esc(e.source_ids.clause || "")}</strong><br><span class="muted">${esc(e.content.replace(/\|[-| ]*\|/g, " ").replace(/\|/g, " ").slice(0, 140))}</span>`;
    b.onclick = () => App.showEvidence(e, s.evidence); li.append(b); cards.append(li);
  });
  const next = document.getElementById("next"); next.innerHTML = "";
  for (const a of s.actions) { const li = document.createElement("li");
    li.innerHTML = `<strong>${esc(App.label("actions", a.name))}</strong> <span class="muted">${esc(a.rationale)}</span>`; next.append(li); }
}

async function setCustomer(ref) {
  if (desk.customer === ref) return; desk.customer = ref;
  document.getElementById("call-customer").textContent = ref;
  try {
    const c = await App.api(`/v1/customers/${encodeURIComponent(ref)}/360`);
    document.getElementById("call-customer").textContent = c.name;
    const k = (c.signals || [])[0];
    document.getElementById("call-key").textContent = k ? (k.title || k.content) : "";
  } catch (_) { /* the agent's scope ends with the call: the id stays */ }
}

function showWrapup(s) {
  desk.wrap = s; tick(); stopTimer();
  const box = document.getElementById("wrapup"); box.hidden = false;
  document.getElementById("wu-summary").value = s.summary.summary || "";
  document.getElementById("wu-disp").value = s.summary.disposition || "";
  document.getElementById("wu-follow").value = (s.summary.follow_ups || []).join("\n");
}

document.getElementById("wrapup-form").onsubmit = async e => {
  e.preventDefault();
  const s = desk.wrap; if (!s) return;
  const text = [document.getElementById("wu-summary").value, `处置: ${document.getElementById("wu-disp").value}`,
                document.getElementById("wu-follow").value].join("\n");
  const original = [s.summary.summary || "", `处置: ${s.summary.disposition || ""}`, (s.summary.follow_ups || []).join("\n")].join("\n");
  const body = text === original ? { kind: "accept" } : { kind: "edit", final_text: text };
  const notice = e.target.querySelector(".notice");
  try { await App.api(`/v1/suggestions/${s.id}/decision`, { method: "POST", body: JSON.stringify(body) });
        notice.textContent = App.t(body.kind === "accept" ? "accepted" : "edited"); notice.className = "notice ok-text"; }
  catch (err) { notice.textContent = err.status === 409 ? App.t("stale") : err.message; notice.className = "notice error"; }
};

function watch(call) {
  desk.call = call; if (desk.es) desk.es.close();
  document.getElementById("call-id").value = call;
  desk.es = App.stream(`call:${call}`, {
    partial: ev => { startTimer(); document.getElementById("partial").textContent = ev.text || ""; },
    final: ev => addFinal(ev),
    state: ev => { startTimer(); showState(ev); },
    suggestion_partial: ev => { const d = ev.data || {}; if (d.customer_ref) setCustomer(d.customer_ref); if (d.intent) showSuggestion({ intent: d.intent, answer: d.answer, evidence: d.evidence || [], actions: d.actions || [], customer_ref: d.customer_ref }, ev.message_text); },
    suggestion: ev => showSuggestion(ev.suggestion, ev.message_text),
    wrapup: ev => showWrapup(ev.suggestion),
  });
}

document.addEventListener("copilot:lang", () => {  // the transcript's labels in the other language
  const tr = document.getElementById("transcript"); tr.innerHTML = "";
  for (const f of desk.finals || []) tr.append(finalLine(f));
  if (desk.last) showSuggestion(desk.last.s, desk.last.text);
});
document.addEventListener("keydown", e => {
  if (e.target.closest("input, textarea, select") || e.metaKey || e.ctrlKey || e.altKey) return;
  const n = Number(e.key);
  if (n >= 1 && n <= 4) { const b = document.querySelectorAll("#cards button")[n - 1]; if (b) { e.preventDefault(); b.focus(); b.click(); } }
});
document.getElementById("call-form").onsubmit = e => { e.preventDefault(); watch(document.getElementById("call-id").value.trim()); };
App.init(async () => { if (desk.call) watch(desk.call); });
