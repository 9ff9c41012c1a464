"""Host set-up: what a machine needs before it can build images and run kind."""
