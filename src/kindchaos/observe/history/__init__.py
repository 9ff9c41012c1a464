"""A history of operations on Kubernetes objects, recorded by concurrent clients and watchers."""
