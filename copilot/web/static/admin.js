// Admin and evaluator console: the ledger newest first (paging, filters, actor / time / decision / reason) with each
// row opening its whole evidence chain; knowledge base versions; eval runs from where `copilot eval run` writes them
// with compare and the HTML report; playbooks with backtest results and business units; tenants and their imports.
"use strict";
const led = { offset: 0, limit: 25, filters: {}, total: 0 };
document.querySelectorAll("[role=tab]").forEach(tab => tab.onclick = () => {
  document.querySelectorAll("[role=tab]").forEach(t => t.setAttribute("aria-selected", String(t === tab)));
  document.querySelectorAll("[role=tabpanel]").forEach(p => p.hidden = p.id !== `tab-${tab.dataset.tab}`);
});
const fmtTime = iso => iso ? new Date(iso).toLocaleString(App.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false }) : "";
const kindName = k => App.t({ suggestion: "suggestionKind", decision: "decisionKind", denial: "denialKind",
                              checkpoint: "checkpointKind", redaction: "redactionKind" }[k] || k);
const decisionName = d => d ? App.t({ accept: "accepted", edit: "edited", reject: "rejected" }[d] || d) : "";

async function loadLedger() {
  const q = new URLSearchParams(Object.entries({ ...led.filters, offset: led.offset, limit: led.limit }).filter(([, v]) => v !== "" && v != null));
  const page = await App.api(`/v1/admin/ledger?${q}`);
  led.total = page.total;
  document.querySelector("#ledger-table tbody").innerHTML = page.items.map(e =>
    `<tr class="${e.suggestion_id ? "clickable" : ""}" data-sug="${esc(e.suggestion_id)}"><td>${e.seq}</td><td>${esc(fmtTime(e.created_at))}</td>` +
    `<td>${esc(kindName(e.kind))}</td><td>${esc(e.actor)}</td><td>${esc(e.customer_ref)}</td>` +
    `<td>${esc(e.intent ? App.label("intents", e.intent) : "")}</td><td>${esc(decisionName(e.decision))}</td>` +
    `<td>${esc(e.reason_code ? App.t(e.reason_code) : "")}${e.reason_text ? "：" + esc(e.reason_text) : ""}` +
    `${e.suggestion_id ? ` <button type="button" class="link chain-open" data-sug="${esc(e.suggestion_id)}">${App.t("chain")}</button>` : ""}</td></tr>`).join("");
  document.querySelectorAll("#ledger-table .chain-open").forEach(b => b.onclick = ev => { ev.stopPropagation(); openChain(b.dataset.sug); });
  document.querySelectorAll("#ledger-table tr.clickable").forEach(tr => tr.onclick = () => openChain(tr.dataset.sug));
  const last = Math.min(led.offset + led.limit, led.total);
  document.getElementById("page-info").textContent = `${led.total ? led.offset + 1 : 0}–${last} ${App.t("of")} ${led.total}`;
  document.getElementById("prev").disabled = led.offset === 0;
  document.getElementById("next-page").disabled = last >= led.total;
}

async function loadVerify() {
  const v = await App.api("/v1/ledger/verify");
  const badge = document.getElementById("verify");
  badge.textContent = v.ok ? `${App.t("ok")} · ${v.entries}` : `${App.t("broken")} · #${v.first_broken?.seq ?? "?"}`;
  badge.className = `pill ${v.ok ? "ok" : "bad"}`;
  const m = await App.api("/v1/ledger/metrics").catch(() => null);
  const per = m && (m.per_intent || m.by_intent);
  if (per) App.bars(document.getElementById("rates"),
    Object.entries(per).map(([k, r]) => [App.label("intents", k), r.acceptance_rate ?? r.accept_rate ?? 0, `${Math.round(100 * (r.acceptance_rate ?? r.accept_rate ?? 0))}%`]), { max: 1 });
}

async function openChain(id) {
  // the whole evidence chain of one suggestion: clauses, computed facts with inputs, CRM fields with their query,
  // rules fired, guardrail verdicts and the human's diff
  const c = await App.api(`/v1/admin/chain/${encodeURIComponent(id)}`);
  const all = [...c.clauses, ...c.computed_facts, ...c.crm_fields, ...c.signals];
  const evList = (items, label) => items.length ? `<section><h3>${label}</h3>${items.length > 6 ? `<details><summary>${App.t("more")}（${items.length}）</summary>` : ""}<ul>` + items.map((e, i) =>
    `<li><button type="button" class="link ev" data-i="${all.indexOf(e)}">${esc(e.title || e.source_ids.field || e.source_ids.tool || e.id)}</button>` +
    `${e.version ? " v" + esc(e.version) : ""} — ${esc(e.content.slice(0, 140))}` +
    (e.kind === "customer_fact" && (e.lineage.query || e.source_ids.query) ? `<br><code>${esc(e.lineage.query || e.source_ids.query)}</code>` : "") +
    (e.kind === "computed_fact" ? `<br><span class="muted">${App.t("inputs")}：${esc((e.lineage.inputs || []).map(x => `${x.field || x.evidence_id}=${typeof x.value === "object" ? JSON.stringify(x.value) : x.value}`).join("；"))}</span>` : "") +
    `</li>`).join("") + `</ul>${items.length > 6 ? "</details>" : ""}</section>` : "";
  const dec = c.decisions.map(d => `<li>${esc(decisionName(d.decision))} · ${esc(d.actor)} · ${esc(fmtTime(d.at))}` +
    `${d.reason_code ? " · " + esc(App.t(d.reason_code)) : ""}${d.reason_text ? "：" + esc(d.reason_text) : ""}` +
    (d.diff.length ? `<pre class="diff">${d.diff.map(l => `<span class="${l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : ""}">${esc(l)}</span>`).join("\n")}</pre>` : "") + "</li>").join("");
  const body = `<div class="chain">` +
    `<section><h3>${App.t("input")}</h3><p>${esc(c.input.masked_text || "")}</p></section>` +
    `<section><h3>${App.t("intent")}</h3><p>${esc(App.intentName(c.intent))} (${Number(c.intent.confidence || 0).toFixed(2)})</p></section>` +
    (c.answer ? `<section><h3>${App.t("answer")}</h3><p>${esc(c.answer.text)}</p></section>` : "") +
    evList(c.computed_facts, App.t("computed")) + evList(c.clauses, App.t("clause")) + evList(c.crm_fields, App.t("crmFields")) +
    (c.rules.length ? `<section><h3>${App.t("rulesFired")}</h3><ul>${c.rules.map(r => `<li>${esc(r.rule_id || r.title || r.id)}: ${esc(r.name ? App.label("actions", r.name) : r.content || "")}</li>`).join("")}</ul></section>` : "") +
    `<section><h3>${App.t("verdicts")}</h3><ul>${c.verdicts.map(v => `<li><span class="pill ${v.outcome === "allow" ? "ok" : v.outcome === "block" ? "bad" : "warn"}">${esc(v.outcome)}</span> ${esc(v.guard)} ${esc(v.reasons.join("；"))}</li>`).join("")}</ul></section>` +
    (c.draft ? `<section><h3>${App.t("draft")}</h3><p>${esc(c.draft.text)}</p></section>` : "") +
    `<section><h3>${App.t("decision")}</h3><ul>${dec || `<li>${App.t("empty")}</li>`}</ul></section></div>`;
  document.getElementById("detail-title").textContent = `${App.t("chain")} · ${id}`;
  const box = document.getElementById("detail-body");
  box.innerHTML = body;
  box.querySelectorAll("button.ev").forEach(b => b.onclick = () => App.showEvidence(all[Number(b.dataset.i)], all));
  const d = document.getElementById("detail"); if (!d.open) d.showModal();
  document.body.dataset.chain = id;
}

async function loadKb() {
  const docs = await App.api("/v1/kb/documents");
  document.querySelector("#kb-table tbody").innerHTML = docs.map(d =>
    `<tr><td>${esc(d.title)}</td><td>v${esc(d.version)}</td>` +
    `<td><span class="pill ${d.status === "in_force" ? "ok" : "warn"}">${esc(App.status(d.status))}</span></td>` +
    `<td>${esc(d.effective_date || "")}${d.expiry_date ? " – " + esc(d.expiry_date) : ""}</td><td>${d.chunks}</td></tr>`).join("");
}

function metricsList(m) {
  const rows = Object.entries(m || {}).filter(([, v]) => typeof v === "number").slice(0, 8);
  return `<ul class="metrics-list">${rows.map(([k, v]) => `<li>${esc(k)}: ${esc(Number.isInteger(v) ? v : v.toFixed(3))}</li>`).join("")}</ul>`;
}

async function loadEvals() {
  const runs = await App.api("/v1/evals/runs").catch(() => []);
  for (const sel of ["run-a", "run-b"]) document.getElementById(sel).innerHTML =
    runs.map(r => `<option value="${esc(r.file)}">${esc(r.id)} · ${esc(r.suite)}</option>`).join("");
  if (runs.length > 1) document.getElementById("run-a").selectedIndex = 1;  // newest first: B = newest, A = the one before
  document.querySelector("#runs-table tbody").innerHTML = runs.length ? runs.map(r =>
    `<tr><td>${esc(r.id)}<div class="muted small">${esc(r.file)}</div></td><td>${esc(r.suite)}</td><td>${esc(fmtTime(r.created_at))}</td><td>${metricsList(r.metrics)}</td>` +
    `<td>${r.report ? `<button type="button" class="link report-link" data-report="${esc(r.report)}">${App.t("reportOpen")}</button>` : ""}</td></tr>`).join("")
    : `<tr><td colspan="5">${App.t("noRuns")}</td></tr>`;
  // a report opens by URL, so it carries a short-lived token, never the API key (which would land in logs)
  document.querySelectorAll("#runs-table .report-link").forEach(a => a.onclick = async () => {
    const { token } = await App.api("/v1/stream/token", { method: "POST" });
    window.open(`/v1/evals/reports/${a.dataset.report.split("/").map(encodeURIComponent).join("/")}?token=${encodeURIComponent(token)}`, "_blank", "noopener");
  });
}

document.getElementById("compare").onsubmit = async e => {
  e.preventDefault();
  const a = document.getElementById("run-a").value, b = document.getElementById("run-b").value;
  const out = document.getElementById("compare-out");
  try { const r = await App.api(`/v1/evals/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
        out.innerHTML = renderMarkdown(r.markdown.replace(/^#+\s*/gm, "")); }
  catch (err) { out.textContent = `${err.status || ""} ${err.message}`; }
  out.hidden = false;
};

async function loadPlaybooks() {
  const data = await App.api("/v1/playbooks").catch(() => ({ playbooks: [] }));
  const bts = data.backtests || {};
  document.getElementById("playbooks").innerHTML = data.playbooks.map(p => {
    const bt = (bts[p.id] && bts[p.id].rules) || ((data.backtest && data.backtest.rules) || {});
    const cases = bts[p.id] ? bts[p.id].cases : "";
    return `<h2>${esc(p.id)}</h2><p class="muted">${App.t("businessUnits")}：${esc((p.business_units || []).map(u => u === "*" ? App.t("allUnits") : u).join("、"))}` +
      `${cases !== "" ? ` · ${App.t("backtest")}：${cases}` : ""}</p><div class="table-wrap"><table><thead><tr><th>${App.t("rule")}</th><th>${App.t("nextActions")}</th><th>${App.t("backtest")}</th></tr></thead><tbody>` +
      p.rules.map(r => { const b = bt[r.id]; const d = b && b.human_decisions_when_fired;
        return `<tr><td>${esc(r.id)}<div class="muted small">${esc(r.description || "")}</div></td><td>${esc(App.label("actions", r.then.action))}</td>` +
          `<td>${b ? `${App.t("fired")} ${b.fired}（${Math.round(100 * (b.fire_rate || 0))}%）` +
            (d ? ` · ${App.t("accepted")} ${d.accept} / ${App.t("edited")} ${d.edit} / ${App.t("rejected")} ${d.reject}` : "") +
            (b.human_acceptance_when_fired != null ? ` · ${App.t("acceptRate")} ${Math.round(100 * b.human_acceptance_when_fired)}%` : "") : "—"}</td></tr>`; }).join("") +
      "</tbody></table></div>"; }).join("") + (bts.error ? `<p class="error">${esc(bts.error)}</p>` : "");
}

async function loadTenants() {
  const rows = await App.api("/v1/admin/tenants").catch(() => []);
  document.getElementById("tenants").innerHTML = `<div class="table-wrap"><table><thead><tr><th>${App.t("tenants")}</th><th>${App.t("status")}</th><th>${App.t("importStatus")}</th></tr></thead><tbody>` +
    rows.map(t => `<tr><td><strong>${esc(t.company || t.id)}</strong><div class="muted small">${esc(t.id)} · ${esc(t.industry)}</div></td>` +
      `<td>${t.active ? `<span class="pill ok">${App.t("online")}</span>` : "—"}</td>` +
      `<td>${t.active ? `${App.t("documents")} ${t.documents}（${Object.entries(t.statuses).map(([s, n]) => `${esc(App.status(s))} ${n}`).join("，")}），${App.t("chunks")} ${t.chunks} · ${esc(fmtTime(t.last_ingested_at))}` : `${t.policy_files} ${App.t("documents")}`}</td></tr>`).join("") +
    "</tbody></table></div>";
}

document.getElementById("ledger-filter").onsubmit = e => {
  e.preventDefault(); led.filters = Object.fromEntries(new FormData(e.target)); led.offset = 0; loadLedger();
};
document.getElementById("prev").onclick = () => { led.offset = Math.max(0, led.offset - led.limit); loadLedger(); };
document.getElementById("next-page").onclick = () => { led.offset += led.limit; loadLedger(); };
document.addEventListener("copilot:lang", () => { if (document.body.dataset.loaded) { loadLedger(); loadVerify(); loadKb(); loadEvals(); loadPlaybooks(); loadTenants(); } });
App.init(async () => {
  await Promise.allSettled([loadLedger(), loadVerify(), loadKb(), loadEvals(), loadPlaybooks(), loadTenants()]);
  document.body.dataset.loaded = "1";
});
