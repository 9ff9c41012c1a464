"""The answer sheet: what the last run measured, per interview question, in English or Korean."""
