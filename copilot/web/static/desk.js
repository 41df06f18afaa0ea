// The agent's call desktop: live transcript (partials, speaker labels, pause markers), knowledge cards and next
// actions as the call goes, and the wrap-up form at hang-up.
"use strict";
const desk = { call: new URLSearchParams(location.search).get("call") || "", seen: new Set(), wrap: null, es: null };

function addFinal(f) {
  // a `final` frame of the voice socket, mirrored by the server: {utterance_id, speaker, text, start, end, signals}
  const key = `${f.utterance_id}:${f.speaker}`;
  if (desk.seen.has(key) || !f.text) return;
  desk.seen.add(key);
  const li = document.createElement("li");
  const sig = f.signals || {};
  const pause = sig.pause_before_s || 0;
  const fillers = sig.filler_count || 0;
  const who = f.speaker === "agent" ? "坐席 Agent" : "客户 Customer";
  li.innerHTML = (pause >= 1 ? `<div class="pause">⏸ ${pause.toFixed(1)} s</div>` : "") +
    `<strong>${who}</strong> <span class="muted">${Number(f.start || 0).toFixed(1)}s</span>: ${esc(f.text)}` +
    (fillers ? ` <span class="pill warn">嗯/那个 ×${fillers}</span>` : "");
  document.getElementById("transcript").append(li);
  document.getElementById("partial").textContent = "";
}

function showSuggestion(s) {
  const ev = Object.fromEntries(s.evidence.map(e => [e.id, e]));
  document.getElementById("intent").innerHTML =
    `<strong>${esc(s.intent.label_zh || s.intent.name)}</strong> <meter min="0" max="1" value="${s.intent.confidence}"></meter>`;
  const cards = document.getElementById("cards"); cards.innerHTML = "";
  for (const e of s.evidence.filter(e => e.kind === "policy_clause").slice(0, 3)) {
    const li = document.createElement("li"); li.className = "card";
    li.innerHTML = `<strong>《${esc(e.title)}》 v${esc(e.version)} ${esc(e.source_ids.clause || "")}</strong><p>${esc(e.content.slice(0, 160))}</p>`;
    li.onclick = () => App.showEvidence(e); cards.append(li);
  }
  const next = document.getElementById("next"); next.innerHTML = "";
  for (const a of s.actions) { const li = document.createElement("li");
    li.innerHTML = `<strong>${esc(a.label || a.name)}</strong> <span class="muted">${esc(a.rationale)}</span>`; next.append(li); }
}

function showWrapup(s) {
  desk.wrap = s;
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
        notice.textContent = App.t(body.kind === "accept" ? "accepted" : "edited"); }
  catch (err) { notice.textContent = err.status === 409 ? App.t("stale") : err.message; }
};

function watch(call) {
  desk.call = call; if (desk.es) desk.es.close();
  document.getElementById("call-id").value = call;
  desk.es = App.stream(`call:${call}`, {
    partial: ev => { document.getElementById("partial").textContent = ev.text || ""; },
    final: ev => addFinal(ev),
    suggestion: ev => showSuggestion(ev.suggestion),
    wrapup: ev => showWrapup(ev.suggestion),
  });
}

document.getElementById("call-form").onsubmit = e => { e.preventDefault(); watch(document.getElementById("call-id").value.trim()); };
App.init(async () => {
  const me = await App.api("/v1/me").catch(() => null);
  if (me) document.getElementById("who").textContent = `${me.id} (${me.role})`;
  if (desk.call) watch(desk.call);
});
