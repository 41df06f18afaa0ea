"""Extra rows for bench/bench_intent.py (issue #16): distance-based out-of-scope gates on CLINC150 with the out-of-scope
examples of train and val cross-fitted, and kNN / LDA / prototype heads blended with LR on BANKING77. Every method,
weight and threshold is chosen on train/val rows (cross-fitted or held out of train); test is read once per chosen
method. Heads and gates: bench/intent_heads.py."""

from __future__ import annotations

import csv
import json
import time
from typing import Any

import numpy as np

from bench import bench_intent as bi
from bench.intent_heads import (
    gate_read,
    knn_class_scores,
    knn_mean_cosine,
    lda_head,
    lda_logits,
    mahalanobis_min,
    pick_gates,
    prototype_logits,
    softmax,
)

# Score sets for the out-of-scope gate (each column must be at or over its threshold); chosen on the cross-fitted rows
GATE_SETS: dict[str, tuple[str, ...]] = {
    "prob+nn1": ("prob", "nn1"),  # the stored rows' recipe
    "prob+knn5": ("prob", "knn5"),
    "prob+knn10": ("prob", "knn10"),
    "energy+nn1": ("energy", "nn1"),
    "prob+relmaha": ("prob", "relmaha"),
    "prob+maha": ("prob", "maha"),
    "prob+oosmargin": ("prob", "oosmargin"),
    "energy+oosmargin": ("energy", "oosmargin"),
    "prob+knn10+relmaha": ("prob", "knn10", "relmaha"),
    "prob+nn1+oosmargin": ("prob", "nn1", "oosmargin"),
    "energy+knn10+oosmargin": ("energy", "knn10", "oosmargin"),
}


def _lr_scores(w: np.ndarray, q: np.ndarray, n: int) -> dict[str, np.ndarray]:
    z = np.hstack([q, np.ones((len(q), 1))]) @ w
    p = softmax(z)
    top = z[:, :n].max(1)
    return {
        "pred": p[:, :n].argmax(1),
        "says_oos": p.argmax(1) == n,
        "prob": p[:, :n].max(1),
        "energy": top + np.log(np.exp(z[:, :n] - top[:, None]).sum(1)),
    }


def _distance_scores(
    q: np.ndarray, bank: np.ndarray, oos_bank: np.ndarray, maha: Any, relmaha: Any
) -> dict[str, np.ndarray]:
    nn1 = knn_mean_cosine(q, bank, k=1)
    return {
        "nn1": nn1,
        "knn5": knn_mean_cosine(q, bank, k=5),
        "knn10": knn_mean_cosine(q, bank, k=10),
        "maha": mahalanobis_min(maha, q),
        "relmaha": relmaha(q),
        # nearest in-scope example minus nearest known out-of-scope example (higher = more in scope)
        "oosmargin": nn1 - knn_mean_cosine(q, oos_bank, k=1),
    }


def clinc150_crossfit(model: str, *, target: float = 0.90, iters: int = 600) -> dict[str, Any]:
    """CLINC150, the LR of `bench_intent.clinc150` (150 intents + an out-of-scope class) with the out-of-scope examples
    of train AND val used: fold A trains on oos_train and scores val (in scope) + oos_val, fold B trains on oos_val
    and scores oos_train; the gate (a set of scores from GATE_SETS and their thresholds) is picked on those pooled
    cross-fitted rows (3,000 in scope, 200 out of scope: best in-scope accuracy at out-of-scope recall >= target).
    The final LR trains on train + oos_train + oos_val (val's in-scope rows stay out, as in the fold models) and is
    read on test once with the chosen gate. Distances: cosine kNN to the in-scope training rows, Mahalanobis to the
    class means with one shared covariance (plain and relative), and the margin between the nearest in-scope and the
    nearest known out-of-scope example."""
    data = json.loads((bi.BENCH / "clinc150" / "data_full.json").read_text())
    labels = sorted({lbl for _, lbl in data["train"]})
    splits = ("train", "val", "test", "oos_val", "oos_test", "oos_train")
    raw = {s: bi.embed(model, [t for t, _ in data[s]]) for s in splits}
    n = len(labels)
    y = {s: np.array([labels.index(lbl) for _, lbl in data[s]]) for s in ("train", "val", "test")}
    x = dict(zip(splits, bi.centred(model, raw["train"], *[raw[s] for s in splits]), strict=True))
    t0 = time.perf_counter()

    def fit(oos: np.ndarray, init: np.ndarray | None = None, steps: int = iters) -> np.ndarray:
        xs = np.vstack([x["train"], oos])
        ys = np.concatenate([y["train"], np.full(len(oos), n)])
        return np.asarray(bi.softmax_lr(xs, ys, n + 1, l2=1e-6, iters=steps, lr=8.0, init=init))

    w_a = fit(x["oos_train"])  # = bench_intent.clinc150's LR
    w_b = fit(x["oos_val"], init=w_a, steps=iters // 2)
    w_f = fit(np.vstack([x["oos_train"], x["oos_val"]]), init=w_a, steps=iters // 2)
    fit_s = time.perf_counter() - t0
    maha = lda_head(x["train"], y["train"], n, shrink=0.1)
    relmaha = bi.relative_mahalanobis(x, y, n)

    def scores(w: np.ndarray, q: np.ndarray, oos_bank: np.ndarray) -> dict[str, np.ndarray]:
        return {**_lr_scores(w, q, n), **_distance_scores(q, x["train"], oos_bank, maha, relmaha)}

    s_val = scores(w_a, x["val"], x["oos_train"])
    s_oos = {k: np.concatenate([a, b]) for (k, a), b in zip(scores(w_a, x["oos_val"], x["oos_train"]).items(),
             scores(w_b, x["oos_train"], x["oos_val"]).values(), strict=True)}  # fmt: skip
    correct = s_val["pred"] == y["val"]
    picked: dict[str, Any] = {}
    for name, cols in GATE_SETS.items():
        t, acc, rec = pick_gates(np.column_stack([s_val[c] for c in cols]), correct,
                                 np.column_stack([s_oos[c] for c in cols]), target=target,
                                 steps=40 if len(cols) == 2 else 16,
                                 reject_in=s_val["says_oos"], reject_oos=s_oos["says_oos"])  # fmt: skip
        # None: that score is not gated (the lowest grid point, -inf, was picked)
        picked[name] = {"thresholds": [round(float(v), 4) if np.isfinite(v) else None for v in t],
                        "crossfit_in_scope_accuracy": round(acc, 4),
                        "crossfit_oos_recall": round(rec, 4)}  # fmt: skip
    best = max(picked, key=lambda k: picked[k]["crossfit_in_scope_accuracy"])
    cols = GATE_SETS[best]
    oos_bank = np.vstack([x["oos_train"], x["oos_val"]])
    s_te, s_to = scores(w_f, x["test"], oos_bank), scores(w_f, x["oos_test"], oos_bank)
    thr = np.array([-np.inf if v is None else v for v in picked[best]["thresholds"]])
    acc, rec = gate_read(np.column_stack([s_te[c] for c in cols]), s_te["pred"] == y["test"],
                         np.column_stack([s_to[c] for c in cols]), thr, s_te["says_oos"], s_to["says_oos"])  # fmt: skip
    return {
        "crossfit_oos_recall_0.90": {"gate": best, "scores": list(cols), "thresholds": picked[best]["thresholds"],
                                     "in_scope_accuracy": round(acc, 4), "oos_recall": round(rec, 4)},
        "crossfit_no_threshold": {"in_scope_accuracy": round(float((s_te["pred"] == y["test"]).mean()), 4),
                                  "oos_recall": round(float(s_to["says_oos"].mean()), 4)},
        "crossfit_gate_candidates_on_crossfit_rows": picked,
        "crossfit_lr_fit_s": round(fit_s, 1),
    }  # fmt: skip


def _banking() -> tuple[list[str], np.ndarray, list[str], np.ndarray, list[str]]:
    def load(split: str) -> tuple[list[str], list[str]]:
        with (bi.BENCH / "banking77" / f"{split}.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [r["text"] for r in rows], [r["category"] for r in rows]

    tr_t, tr_l = load("train")
    te_t, te_l = load("test")
    labels = sorted(set(tr_l))
    return (
        tr_t,
        np.array([labels.index(c) for c in tr_l]),
        te_t,
        np.array([labels.index(c) for c in te_l]),
        labels,
    )


FEW_GRID = [(g_p, g_l) for g_p in (0.0, 5.0, 10.0, 20.0, 40.0) for g_l in (0.0, 0.5, 1.0)]
FEW_SHRINK = (
    0.8  # the 8-shot LDA head's covariance shrinkage (616 rows for 896 dimensions: mostly the identity)
)
TEMPLATES = ("I have a question about {}", "help with {}")


def _few_scores(
    a: np.ndarray, ya: np.ndarray, q: np.ndarray, names: np.ndarray, k: int, templ: np.ndarray | None
) -> dict[str, np.ndarray]:
    """LR with names (two pseudo-examples per intent, as bench_intent.banking77), prototype cosines (examples + name)
    and the LDA head's log-probabilities, for the rows `q`."""
    extra = [names, names] if templ is None else [names, names, *np.split(templ, len(TEMPLATES))]
    x2 = np.vstack([a, *extra])
    y2 = np.concatenate([ya, *[np.arange(k)] * len(extra)])
    w = bi.softmax_lr(x2, y2, k, l2=1e-4, iters=300, lr=4.0)
    lr = np.log(np.maximum(bi.predict_proba(w, q), 1e-12))
    proto = prototype_logits(q, x2, y2, k)
    lda = np.log(np.maximum(softmax(lda_logits(lda_head(x2, y2, k, shrink=FEW_SHRINK), q)), 1e-12))
    return {"lr": lr, "proto": proto, "lda": lda}


def banking77_fewshot_blend(model: str, folds: int = 4) -> dict[str, Any]:
    """The MTEB draws of `bench_intent.banking77` (seed 42, 8 per intent, 10 draws): per draw, the head blend
    log p_LR + g_p * cos(prototype) + g_l * log p_LDA and the use of label-name templates are chosen by `folds`-fold
    cross-validation inside the draw (6 shots train, 2 score, per intent; no other labelled row), then fitted on the
    draw's 8 shots and read on test."""
    tr_t, ytr, te_t, yte, labels = _banking()
    k = len(labels)
    xtr, xte = bi.embed(model, tr_t), bi.embed(model, te_t)
    xnames = bi.embed(model, [c.replace("_", " ") for c in labels])
    xtempl = bi.embed(model, [t.format(c.replace("_", " ")) for t in TEMPLATES for c in labels])
    rng = np.random.default_rng(42)
    accs, lr_only, chosen = [], [], []
    for _ in range(10):
        idx = np.concatenate([rng.choice(np.flatnonzero(ytr == c), 8, replace=False) for c in range(k)])
        shot = np.tile(np.arange(8), k)  # idx is 8 rows per intent in order: shot number within the intent
        cv: dict[tuple[bool, float, float], list[float]] = {}
        for f in range(folds):
            held = (shot % folds) == f
            a, b, nm, tp = bi.centred(model, xtr[idx[~held]], xtr[idx[~held]], xtr[idx[held]], xnames, xtempl)
            for use_t in (False, True):
                s = _few_scores(a, ytr[idx[~held]], b, nm, k, tp if use_t else None)
                for g_p, g_l in FEW_GRID:
                    hit = (s["lr"] + g_p * s["proto"] + g_l * s["lda"]).argmax(1) == ytr[idx[held]]
                    cv.setdefault((use_t, g_p, g_l), []).append(float(hit.mean()))
        use_t, g_p, g_l = max(cv, key=lambda c: (np.mean(cv[c]), -c[1] - c[2] - c[0]))  # ties: the simplest
        a, b, nm, tp = bi.centred(model, xtr[idx], xtr[idx], xte, xnames, xtempl)
        s = _few_scores(a, ytr[idx], b, nm, k, tp if use_t else None)
        accs.append(float(((s["lr"] + g_p * s["proto"] + g_l * s["lda"]).argmax(1) == yte).mean()))
        chosen.append(
            {
                "templates": use_t,
                "g_proto": g_p,
                "g_lda": g_l,
                "cv_accuracy": round(float(np.mean(cv[(use_t, g_p, g_l)])), 4),
            }
        )
        lr_only.append(float(np.mean(cv[(False, 0.0, 0.0)])))
    return {"fewshot8_blend": {"mean": round(100 * np.mean(accs), 2), "std": round(100 * np.std(accs), 2),
            "chosen_per_draw": chosen, "cv_accuracy_lr_names_only": round(float(np.mean(lr_only)), 4)}}  # fmt: skip


FULL_GRID = [(a, b) for a in (0.0, 0.25, 0.5, 1.0) for b in (0.0, 0.25, 0.5, 1.0)]
FULL_SHRINK = (0.05, 0.1, 0.2, 0.4)
FULL_K = (10, 20)


def banking77_full_blend(model: str, l2: float = 1e-6, iters: int = 600, step: float = 8.0) -> dict[str, Any]:
    """Full train: log p_LR + a * log p_LDA + b * log p_kNN (LR at the stored full_lr config; LDA shrinkage, k and
    the weights a, b chosen on 10 % of train held out, seed 0 as the MLP row), then every head refitted on all of
    train and read on test once. Also the LDA head alone (shrinkage chosen the same way)."""
    tr_t, ytr, te_t, yte, labels = _banking()
    k = len(labels)
    xtr, xte = bi.embed(model, tr_t), bi.embed(model, te_t)
    a_all, b_te = bi.centred(model, xtr, xtr, xte)
    hold = np.random.default_rng(0).random(len(a_all)) < 0.1
    a, h = a_all[~hold], a_all[hold]
    w = bi.softmax_lr(a, ytr[~hold], k, l2=l2, iters=iters, lr=step)
    lr = np.log(np.maximum(bi.predict_proba(w, h), 1e-12))
    ldas = {
        s: np.log(np.maximum(softmax(lda_logits(lda_head(a, ytr[~hold], k, shrink=s), h)), 1e-12))
        for s in FULL_SHRINK
    }
    knns = {kk: np.log(np.maximum(knn_class_scores(h, a, ytr[~hold], k, k=kk), 1e-12)) for kk in FULL_K}
    val: dict[tuple[float, int, float, float], float] = {}
    for s in FULL_SHRINK:
        for kk in FULL_K:
            for wa, wb in FULL_GRID:
                val[(s, kk, wa, wb)] = float(
                    ((lr + wa * ldas[s] + wb * knns[kk]).argmax(1) == ytr[hold]).mean()
                )
    s, kk, wa, wb = max(val, key=lambda c: (val[c], -c[2] - c[3]))
    lda_val = {sh: float((ldas[sh].argmax(1) == ytr[hold]).mean()) for sh in FULL_SHRINK}
    s_alone = max(lda_val, key=lambda c: lda_val[c])
    w = bi.softmax_lr(a_all, ytr, k, l2=l2, iters=iters, lr=step)
    lr_t = np.log(np.maximum(bi.predict_proba(w, b_te), 1e-12))
    lda_t = {sh: lda_logits(lda_head(a_all, ytr, k, shrink=sh), b_te) for sh in {s, s_alone}}
    knn_t = np.log(np.maximum(knn_class_scores(b_te, a_all, ytr, k, k=kk), 1e-12))
    score = lr_t + wa * np.log(np.maximum(softmax(lda_t[s]), 1e-12)) + wb * knn_t
    return {
        "full_blend": round(100 * float((score.argmax(1) == yte).mean()), 2),
        "full_blend_config": {"lda_shrink": s, "knn_k": kk, "w_lda": wa, "w_knn": wb, "val_accuracy": round(val[(s, kk, wa, wb)], 4),
                              "val_accuracy_lr_alone": round(val[(s, kk, 0.0, 0.0)], 4)},
        "full_lda": round(100 * float((lda_t[s_alone].argmax(1) == yte).mean()), 2),
        "full_lda_config": {"shrink": s_alone, "val_accuracy": round(lda_val[s_alone], 4)},
    }  # fmt: skip
