"""Prompt-injection detection for customer messages, OCR text, transcripts and retrieved documents."""

from guardrails.injection.detector import SOURCES, THRESHOLDS, HeuristicInjectionDetector

__all__ = ["SOURCES", "THRESHOLDS", "HeuristicInjectionDetector"]
