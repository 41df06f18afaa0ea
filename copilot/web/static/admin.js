// Admin and evaluator console: ledger browser with verify status and decision-rate chart, knowledge base versions,
// eval runs with their reports, playbooks with backtest results.
"use strict";
document.querySelectorAll("[role=tab]").forEach(tab => tab.onclick = () => {
  document.querySelectorAll("[role=tab]").forEach(t => t.setAttribute("aria-selected", String(t === tab)));
  document.querySelectorAll("[role=tabpanel]").forEach(p => p.hidden = p.id !== `tab-${tab.dataset.tab}`);
});

async function loadLedger(filters = {}) {
  const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  const rows = await App.api(`/v1/ledger/entries?limit=200${q ? "&" + q : ""}`);
  document.querySelector("#ledger-table tbody").innerHTML = rows.map(e =>
    `<tr><td>${e.seq}</td><td>${esc(e.kind)}</td><td>${esc(e.conversation_id)}</td><td>${esc(e.intent)}</td>` +
    `<td>${esc(e.decision || e.reason_code || "")}</td><td><code>${esc((e.entry_hash || "").slice(0, 22))}</code></td></tr>`).join("");
  const v = await App.api("/v1/ledger/verify");
  const badge = document.getElementById("verify");
  badge.textContent = v.ok ? `${App.t("ok")} · ${v.entries}` : `${App.t("broken")} · #${v.first_broken?.seq ?? "?"}`;
  badge.className = `pill ${v.ok ? "ok" : "bad"}`;
  const m = await App.api("/v1/ledger/metrics").catch(() => null);
  const per = m && (m.per_intent || m.by_intent);
  if (per) App.bars(document.getElementById("rates"),
    Object.entries(per).map(([k, r]) => [k, r.acceptance_rate ?? r.accept_rate ?? 0, `${Math.round(100 * (r.acceptance_rate ?? r.accept_rate ?? 0))}%`]), { max: 1 });
}

async function loadKb() {
  const docs = await App.api("/v1/kb/documents");
  document.querySelector("#kb-table tbody").innerHTML = docs.map(d =>
    `<tr><td>${esc(d.doc_id)}</td><td>${esc(d.title)}</td><td>${esc(d.version)}</td>` +
    `<td><span class="pill ${d.status === "in_force" ? "ok" : "warn"}">${esc(d.status)}</span></td>` +
    `<td>${esc(d.effective_date)}</td><td>${d.chunks}</td></tr>`).join("");
}

async function loadEvals() {
  const runs = await App.api("/v1/evals/runs").catch(() => []);
  for (const sel of ["run-a", "run-b"]) document.getElementById(sel).innerHTML =
    runs.map(r => `<option value="${esc(r.file)}">${esc(r.id)}</option>`).join("");
  if (runs.length > 1) document.getElementById("run-b").selectedIndex = runs.length - 1;
  document.querySelector("#runs-table tbody").innerHTML = runs.map(r =>
    `<tr><td>${esc(r.id)}</td><td>${esc(r.suite)}</td><td><code>${esc(JSON.stringify(r.metrics).slice(0, 160))}</code></td>` +
    `<td>${r.report ? `<a href="#" class="report-link" data-report="${esc(r.report)}">HTML</a>` : ""}</td></tr>`).join("");
  // a report opens by URL, so it carries a short-lived token, never the API key (which would land in logs)
  document.querySelectorAll("#runs-table .report-link").forEach(a => a.onclick = async e => {
    e.preventDefault();
    const { token } = await App.api("/v1/stream/token", { method: "POST" });
    window.open(`/v1/evals/reports/${encodeURIComponent(a.dataset.report)}?token=${encodeURIComponent(token)}`, "_blank", "noopener");
  });
}

document.getElementById("compare").onsubmit = async e => {
  e.preventDefault();
  const a = document.getElementById("run-a").value, b = document.getElementById("run-b").value;
  const out = document.getElementById("compare-out");
  try { const r = await App.api(`/v1/evals/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
        out.textContent = r.markdown; }
  catch (err) { out.textContent = `${err.status || ""} ${err.message}`; }
  out.hidden = false;
};

async function loadPlaybooks() {
  const data = await App.api("/v1/playbooks").catch(() => ({ playbooks: [] }));
  const bt = (data.backtest && data.backtest.rules) || {};
  document.getElementById("playbooks").innerHTML = data.playbooks.map(p =>
    `<h2>${esc(p.id)} <span class="muted">${esc(p.business_unit || "")}</span></h2><table><tr><th>rule</th><th>action</th><th>backtest</th></tr>` +
    p.rules.map(r => `<tr><td>${esc(r.id)}<div class="muted">${esc(r.description || "")}</div></td><td>${esc(r.then.action)}</td>` +
      `<td>${bt[r.id] ? esc(JSON.stringify(bt[r.id])) : ""}</td></tr>`).join("") + "</table>").join("");
}

document.getElementById("ledger-filter").onsubmit = e => {
  e.preventDefault(); loadLedger(Object.fromEntries(new FormData(e.target)));
};
App.init(async () => {
  const me = await App.api("/v1/me").catch(() => null);
  if (me) document.getElementById("who").textContent = `${me.id} (${me.role})`;
  await Promise.allSettled([loadLedger(), loadKb(), loadEvals(), loadPlaybooks()]);
  document.body.dataset.loaded = "1";
});
