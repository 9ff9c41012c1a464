"""One small module per thing triage looks at; each fills its part of ``Facts`` or says why it could not."""
