"""Intent from the tenant taxonomy: an embedding few-shot classifier (default) and an LLM classifier (when configured).

The few-shot classifier scores each intent by the mean of its top-k example similarities; it abstains (out_of_scope)
when the best intent is the out-of-scope class or its score is under a threshold calibrated for the embedding model by
leave-one-out over the tenant's own examples (scores are not comparable across models)."""

from __future__ import annotations

import json
import re

import numpy as np

from agents.tenant import OUT_OF_SCOPE, TenantConfig
from agents.understanding.embedder import Embedder
from contract.errors import BackendUnavailable
from contract.ports import ChatModel
from contract.suggestions import Intent

TOP_K = 3
TEMPERATURE = 0.05  # softmax temperature over class scores → a confidence in 0..1


class EmbeddingIntentClassifier:
    def __init__(self, tenant: TenantConfig, embedder: Embedder, *, threshold: float | None = None) -> None:
        self.embedder = embedder
        self.labels: list[str] = []
        texts: list[str] = []
        self.label_zh = {i.name: i.label_zh for i in tenant.intents}
        for spec in tenant.intents:
            for ex in spec.examples:
                self.labels.append(spec.name)
                texts.append(ex)
        self.classes = sorted(set(self.labels))
        self._y = np.array([self.classes.index(lbl) for lbl in self.labels])
        self._x = embedder.encode(texts)
        configured = tenant.abstain_thresholds.get(embedder.name)
        self.threshold = threshold if threshold is not None else configured
        if self.threshold is None:
            self.threshold = self.calibrate()

    def _class_scores(self, sims: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        scores = np.full(len(self.classes), -1.0, dtype=np.float32)
        for c in range(len(self.classes)):
            sel = self._y == c if mask is None else (self._y == c) & mask
            s = np.sort(sims[sel])[::-1][:TOP_K]
            if len(s):
                scores[c] = float(s.mean())
        return scores

    def calibrate(self) -> float:
        """Leave-one-out over the examples: the threshold maximising (in-scope accuracy + out-of-scope recall) / 2."""
        sims = self._x @ self._x.T
        best_scores, correct, is_oos = [], [], []
        for i in range(len(self.labels)):
            mask = np.ones(len(self.labels), dtype=bool)
            mask[i] = False
            scores = self._class_scores(sims[i], mask)
            c = int(scores.argmax())
            best_scores.append(float(scores[c]))
            correct.append(self.classes[c] == self.labels[i])
            is_oos.append(self.labels[i] == OUT_OF_SCOPE or self.classes[c] == OUT_OF_SCOPE)
        candidates = sorted(set(np.round(best_scores, 3)))
        best_t, best_v = 0.0, -1.0
        for t in candidates:
            ins = [(s >= t and ok) for s, ok, o in zip(best_scores, correct, is_oos, strict=True) if not o]
            oos = [s < t or o for s, o in zip(best_scores, is_oos, strict=True) if o]
            v = (np.mean(ins) if ins else 0) + (np.mean(oos) if oos else 0)
            if v > best_v:
                best_t, best_v = float(t), float(v)
        return best_t

    def classify(self, text: str, *, boosts: dict[str, float] | None = None) -> Intent:
        """`boosts` adds to a class score before the argmax (e.g. an angry emoji nudges towards complaint)."""
        q = self.embedder.encode([text])[0]
        scores = self._class_scores(self._x @ q)
        for name, bonus in (boosts or {}).items():
            if name in self.classes:
                scores[self.classes.index(name)] += bonus
        c = int(scores.argmax())
        name, top = self.classes[c], float(scores[c])
        probs = np.exp((scores - scores.max()) / TEMPERATURE)
        confidence = float(probs[c] / probs.sum())
        signals = {"similarity": round(top, 4), "threshold": round(float(self.threshold or 0), 4)}
        if name == OUT_OF_SCOPE or top < (self.threshold or 0.0):
            return Intent(name=OUT_OF_SCOPE, confidence=round(confidence, 4), abstained=True, signals=signals)
        return Intent(
            name=name, confidence=round(confidence, 4), label_zh=self.label_zh.get(name, ""), signals=signals
        )


_JSON = re.compile(r"\{.*\}", re.S)


class LlmIntentClassifier:
    """Asks the chat model for {"intent", "confidence"}; any garbage or timeout falls back to the embedding classifier."""

    def __init__(self, tenant: TenantConfig, llm: ChatModel, fallback: EmbeddingIntentClassifier) -> None:
        self.tenant, self.llm, self.fallback = tenant, llm, fallback

    def classify(self, text: str, *, timeout_s: float = 10.0) -> Intent:
        menu = "\n".join(f"- {i.name}: {i.label_zh} {i.description}" for i in self.tenant.intents)
        messages = [
            {
                "role": "system",
                "content": '你是意图分类器。只输出JSON: {"intent": 名称, "confidence": 0到1}。',
            },
            {"role": "user", "content": f"意图列表:\n{menu}\n\n客户消息: {text}"},
        ]
        try:
            out = self.llm.complete(messages, max_tokens=40, temperature=0.0, timeout_s=timeout_s)
            match = _JSON.search(out.text)
            data = json.loads(match.group(0)) if match else {}
            name, conf = str(data.get("intent", "")), float(data.get("confidence", 0.0))
        except (BackendUnavailable, ValueError, TypeError):
            name, conf = "", 0.0
        spec = self.tenant.intent(name)
        if spec is None or not 0.0 <= conf <= 1.0:
            result = self.fallback.classify(text)
            return result.model_copy(update={"signals": {**result.signals, "llm_fallback": 1.0}})
        abstained = name == OUT_OF_SCOPE
        return Intent(
            name=name, confidence=conf, abstained=abstained, label_zh=spec.label_zh, signals={"llm": 1.0}
        )
