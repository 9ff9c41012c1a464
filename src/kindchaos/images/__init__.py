"""The air-gapped image build: every image a kind cluster needs, built here."""
