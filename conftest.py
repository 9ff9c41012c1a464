"""Repository-level pytest configuration only; the plugin is loaded through its pytest11 entry point."""
