"""Fraud review (虚假评价稽核): detectors with evidence, the review queue, decisions and sanctions."""
